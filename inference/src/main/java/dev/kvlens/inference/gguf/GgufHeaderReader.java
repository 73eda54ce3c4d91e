package dev.kvlens.inference.gguf;

import dev.kvlens.inference.ModelFileException;
import dev.kvlens.kernels.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parses and validates a GGUF v2/v3 header from a mapped file. Every count and length is checked
 * against the bytes that remain before anything is allocated (an element needs at least one byte of
 * file), so allocation is bounded by the file's size and a hostile header cannot exhaust memory.
 */
final class GgufHeaderReader {

    static final int MAGIC = 0x46554747;          // "GGUF" read as a little-endian uint32
    static final int DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";
    static final int MAX_DIMS = 4;                // GGML_MAX_DIMS
    static final int MAX_ARRAY_DEPTH = 8;

    /** Fewest bytes a key/value pair takes: key length, type, one-byte value. */
    private static final int MIN_KV_BYTES = 8 + 4 + 1;
    /** Fewest bytes a tensor info takes: name length, n_dims, type, offset. */
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;

    private final GgufCursor in;
    private final Path file;

    private GgufHeaderReader(Path file, MemorySegment segment) {
        this.file = file;
        this.in = new GgufCursor(file, segment);
    }

    static GgufHeader read(Path file, MemorySegment segment) {
        GgufHeaderReader r = new GgufHeaderReader(file, segment);
        try {
            return r.header();
        } catch (IndexOutOfBoundsException | IllegalArgumentException | IllegalStateException
                 | ArithmeticException | NegativeArraySizeException e) {
            // Defence in depth: the checks above should make these impossible; still never leak them.
            throw new ModelFileException(file, r.in.position(), "malformed GGUF header: " + e);
        }
    }

    private GgufHeader header() {
        long size = in.size();
        if (size < 4) {
            in.need(4, "magic");
        }
        int magic = in.i32("magic");
        if (magic != MAGIC) {
            throw in.error(0, "not a GGUF file (magic " + describeMagic(magic) + ", expected \"GGUF\")");
        }
        int version = in.i32("version");
        checkVersion(version);

        long tensorCount = in.i64("tensor count");
        long kvCount = in.i64("metadata count");
        checkCount(kvCount, MIN_KV_BYTES, 16, "metadata key/value pairs");
        checkCount(tensorCount, MIN_TENSOR_INFO_BYTES, 8, "tensor infos");

        GgufMetadata.Builder meta = GgufMetadata.builder(file);
        for (long i = 0; i < kvCount; i++) {
            long at = in.position();
            String key = in.string("metadata key #" + i);
            String shown = printable(key);
            int typeId = in.i32("type of metadata key '" + shown + "'");
            GgufValueType type = GgufValueType.byId(Integer.toUnsignedLong(typeId));
            if (type == null) {
                throw in.error(at, "metadata key '" + shown + "' has unknown value type "
                        + Integer.toUnsignedString(typeId));
            }
            if (meta.has(key)) {
                throw in.error(at, "duplicate metadata key '" + shown + "'");
            }
            Object value = type == GgufValueType.ARRAY ? readArray(shown, 1) : readScalar(type, shown);
            meta.put(key, type, value, at);
        }
        GgufMetadata metadata = meta.build();
        int alignment = alignment(metadata);

        List<GgufTensorInfo> tensors = new ArrayList<>((int) Math.min(tensorCount, 1 << 16));
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufTensorInfo t = readTensorInfo(i, alignment);
            if (!names.add(t.name())) {
                throw in.error(in.position(), "duplicate tensor name '" + printable(t.name()) + "'");
            }
            tensors.add(t);
        }

        long headerEnd = in.position();
        long dataOffset = alignUp(headerEnd, alignment);
        checkTensorRanges(tensors, dataOffset, size);
        return new GgufHeader(version, metadata, List.copyOf(tensors), alignment, dataOffset);
    }

    private void checkVersion(int version) {
        if (version == 2 || version == 3) {
            return;
        }
        int swapped = Integer.reverseBytes(version);
        if (swapped >= 1 && swapped <= 3) {
            throw in.error(4, "big-endian GGUF (version " + swapped + " stored big-endian) is not supported");
        }
        String detail = version == 1 ? " (the 2023 draft format with 32-bit counts)" : "";
        throw in.error(4, "unsupported GGUF version " + Integer.toUnsignedString(version) + detail
                + "; versions 2 and 3 are supported");
    }

    /** Rejects a count the remaining bytes could not hold, each element taking at least {@code minBytes}. */
    private void checkCount(long count, int minBytes, long at, String what) {
        long remaining = in.remaining();
        if (count < 0 || count > remaining / minBytes) {
            throw in.error(at, "truncated: " + Long.toUnsignedString(count) + " " + what + " need "
                    + atLeast(count, minBytes) + " at byte " + in.position() + ", file has " + in.size());
        }
    }

    /** {@code key} is the printable form, used only in messages. */
    private Object readScalar(GgufValueType type, String key) {
        String what = "value of '" + key + "'";
        return switch (type) {
            case UINT8 -> (long) Byte.toUnsignedInt(in.u8(what));
            case INT8 -> (long) in.u8(what);
            case UINT16 -> (long) Short.toUnsignedInt(in.i16(what));
            case INT16 -> (long) in.i16(what);
            case UINT32 -> Integer.toUnsignedLong(in.i32(what));
            case INT32 -> (long) in.i32(what);
            case UINT64, INT64 -> in.i64(what);
            case FLOAT32 -> in.f32(what);
            case FLOAT64 -> in.f64(what);
            case BOOL -> readBool(what);
            case STRING -> in.string(what);
            case ARRAY -> throw new IllegalStateException("arrays are read by readArray");
        };
    }

    private boolean readBool(String what) {
        long at = in.position();
        byte b = in.u8(what);
        if (b != 0 && b != 1) {
            throw in.error(at, what + " is a BOOL with byte value " + Byte.toUnsignedInt(b) + " (must be 0 or 1)");
        }
        return b == 1;
    }

    /** {@code key} is the printable form, used only in messages. */
    private GgufArray readArray(String key, int depth) {
        long at = in.position();
        String what = "array '" + key + "'";
        if (depth > MAX_ARRAY_DEPTH) {
            throw in.error(at, what + " nests arrays deeper than " + MAX_ARRAY_DEPTH + " levels");
        }
        int typeId = in.i32("element type of " + what);
        GgufValueType type = GgufValueType.byId(Integer.toUnsignedLong(typeId));
        if (type == null) {
            throw in.error(at, what + " has unknown element type " + Integer.toUnsignedString(typeId));
        }
        long count = in.i64("element count of " + what);
        int min = type.minimumSize();
        if (count < 0 || count > in.remaining() / min) {
            throw in.error(at + 4, "truncated: " + Long.toUnsignedString(count) + " elements of " + type
                    + " in " + what + " need " + atLeast(count, min) + " at byte " + in.position() + ", file has " + in.size());
        }
        if (count > GgufCursor.MAX_ARRAY) {
            throw in.error(at + 4, what + " has " + count + " elements, more than a Java array can hold");
        }
        int n = (int) count;
        String elements = "elements of " + what;
        Object values = switch (type) {
            case UINT8, INT8 -> in.bulk(ValueLayout.JAVA_BYTE, n, new byte[n], elements);
            case BOOL -> {
                long start = in.position();
                byte[] b = in.bulk(ValueLayout.JAVA_BYTE, n, new byte[n], elements);
                for (int i = 0; i < n; i++) {
                    if (b[i] != 0 && b[i] != 1) {
                        throw in.error(start + i, "element " + i + " of " + what + " is a BOOL with byte value "
                                + Byte.toUnsignedInt(b[i]) + " (must be 0 or 1)");
                    }
                }
                yield b;
            }
            case UINT16, INT16 -> in.bulk(GgufCursor.I16, n, new short[n], elements);
            case UINT32, INT32 -> in.bulk(GgufCursor.I32, n, new int[n], elements);
            case UINT64, INT64 -> in.bulk(GgufCursor.I64, n, new long[n], elements);
            case FLOAT32 -> in.bulk(GgufCursor.F32, n, new float[n], elements);
            case FLOAT64 -> in.bulk(GgufCursor.F64, n, new double[n], elements);
            case STRING -> {
                String[] s = new String[n];
                for (int i = 0; i < n; i++) {
                    s[i] = in.string(i, what);
                }
                yield s;
            }
            case ARRAY -> {
                GgufArray[] a = new GgufArray[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readArray(key + "[" + i + "]", depth + 1);
                }
                yield a;
            }
        };
        return new GgufArray(type, values);
    }

    private int alignment(GgufMetadata metadata) {
        if (!metadata.has(ALIGNMENT_KEY)) {
            return DEFAULT_ALIGNMENT;
        }
        if (metadata.type(ALIGNMENT_KEY) != GgufValueType.UINT32) {
            throw new ModelFileException(file, "metadata key '" + ALIGNMENT_KEY + "' is "
                    + metadata.type(ALIGNMENT_KEY) + ", expected UINT32");
        }
        long a = metadata.getLong(ALIGNMENT_KEY);
        if (a == 0 || Long.bitCount(a) != 1 || a > (1L << 30)) {
            throw new ModelFileException(file, "general.alignment = " + a
                    + " is not a power of two between 1 and 2^30");
        }
        return (int) a;
    }

    private GgufTensorInfo readTensorInfo(long index, int alignment) {
        long at = in.position();
        String name = in.string("name of tensor #" + index);
        String what = "tensor '" + printable(name) + "'";
        long nDims = Integer.toUnsignedLong(in.i32("dimension count of " + what));
        if (nDims > MAX_DIMS) {
            throw in.error(at, what + " has " + nDims + " dimensions, at most " + MAX_DIMS + " are allowed");
        }
        long[] dims = new long[(int) nDims];
        long elements = 1;
        boolean overflow = false;
        for (int d = 0; d < dims.length; d++) {
            long dimAt = in.position();
            dims[d] = in.i64("dimension " + d + " of " + what);
            if (dims[d] < 0) {
                throw in.error(dimAt, what + " dimension " + d + " = " + Long.toUnsignedString(dims[d])
                        + " is too large");
            }
            if (!overflow) {
                long hi = Math.multiplyHigh(elements, dims[d]);
                long lo = elements * dims[d];
                overflow = hi != 0 || lo < 0;
                elements = lo;
            }
        }
        long typeAt = in.position();
        int typeId = in.i32("type of " + what);
        GgmlType type = GgmlType.byId(typeId);
        if (type == null) {
            throw in.error(typeAt, what + " has unknown ggml type id " + Integer.toUnsignedString(typeId));
        }
        if (overflow) {
            throw in.error(at, what + " has dimensions " + java.util.Arrays.toString(dims)
                    + " whose element count overflows 64 bits");
        }
        long rowLength = dims.length > 0 ? dims[0] : 1;
        if (rowLength % type.blockSize() != 0) {
            throw in.error(at, what + " row length " + rowLength + " is not a multiple of the "
                    + type + " block size " + type.blockSize());
        }
        long byteSize = type.byteSize(elements);
        if (byteSize < 0 || byteSize > in.size()) {
            throw in.error(at, what + " has " + elements + " elements of " + type + " ("
                    + (byteSize < 0 ? "more than 2^63" : Long.toString(byteSize))
                    + " bytes), more than the whole file (" + in.size() + " bytes)");
        }
        long offsetAt = in.position();
        long offset = in.i64("data offset of " + what);
        if (offset < 0 || offset > in.size()) {
            throw in.error(offsetAt, what + " data offset " + Long.toUnsignedString(offset)
                    + " lies beyond the end of the file (" + in.size() + " bytes)");
        }
        if (offset % alignment != 0) {
            throw in.error(offsetAt, what + " data offset " + offset + " is not a multiple of the alignment "
                    + alignment);
        }
        return new GgufTensorInfo(name, typeId, type, dims, offset, byteSize);
    }

    private void checkTensorRanges(List<GgufTensorInfo> tensors, long dataOffset, long size) {
        long dataSize = size - dataOffset;     // negative when a header-only file ends before the padding
        for (GgufTensorInfo t : tensors) {
            if (t.offset() > dataSize || t.byteSize() > dataSize - t.offset()) {
                throw new ModelFileException(file, dataOffset + t.offset(), "truncated: expected "
                        + t.byteSize() + " bytes for data of tensor '" + printable(t.name()) + "' at byte "
                        + (dataOffset + t.offset()) + ", file has " + size);
            }
        }
        List<GgufTensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        GgufTensorInfo furthest = null;     // the non-empty tensor whose data ends last so far
        for (GgufTensorInfo cur : byOffset) {
            if (cur.byteSize() == 0) {
                continue;
            }
            long furthestEnd = furthest == null ? 0 : furthest.offset() + furthest.byteSize();
            if (furthest != null && cur.offset() < furthestEnd) {
                throw new ModelFileException(file, dataOffset + cur.offset(), "data of tensor '"
                        + printable(cur.name())
                        + "' (bytes " + cur.offset() + ".." + (cur.offset() + cur.byteSize())
                        + " of the data section) overlaps tensor '" + printable(furthest.name()) + "' (bytes "
                        + furthest.offset() + ".." + furthestEnd + ")");
            }
            if (furthest == null || cur.offset() + cur.byteSize() > furthestEnd) {
                furthest = cur;
            }
        }
    }

    /** "at least N bytes" for {@code count} items of {@code minBytes} each, without overflowing. */
    private static String atLeast(long count, int minBytes) {
        return count < 0 || count > Long.MAX_VALUE / minBytes ? "more than 2^63 bytes"
                : "at least " + count * minBytes + " bytes";
    }

    /**
     * A name from the file as it may appear in a message: control and non-ASCII characters escaped,
     * cut to 80 characters, so that a corrupted length cannot make a message megabytes long.
     */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 80; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        if (sb.length() >= 80 && s.length() > 80) {
            sb.append("...(").append(s.length()).append(" chars)");
        }
        return sb.toString();
    }

    static long alignUp(long x, long alignment) {
        return (x + alignment - 1) & -alignment;
    }

    private static String describeMagic(int magic) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < 4; i++) {
            int c = (magic >>> (8 * i)) & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? Character.toString(c) : String.format("\\x%02x", c));
        }
        return sb.append('"').toString();
    }
}
