package dev.kvlens.inference.gguf;

import dev.kvlens.kernels.GgmlType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a GGUF v3 file in the layout llama.cpp writes and reads: header, key/value pairs, tensor
 * infos, zero padding to the alignment, then each tensor's data starting at an aligned offset and
 * padded to the alignment (a file without tensors ends right after its header). The alignment is
 * 32 unless {@code general.alignment} (UINT32) says otherwise. {@link #write} writes to a temporary
 * file beside the target and moves it into place, so a failed write never leaves a half-written
 * model under the target name.
 */
public final class GgufWriter {

    /** llama.cpp rejects tensor names of GGML_MAX_NAME (64) bytes or more. */
    static final int MAX_TENSOR_NAME_BYTES = 63;

    private record PendingValue(GgufValueType type, Object value) {}

    private record PendingTensor(String name, GgmlType type, long[] dims, long byteSize, GgufTensorFiller filler) {}

    private final Map<String, PendingValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();

    // ---- metadata ----

    /**
     * Sets {@code key} to {@code value} stored as {@link GgufMetadata} stores it ({@link Long} for every
     * integer type, Float, Double, Boolean, String, GgufArray). Replacing a key keeps its position.
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        GgufMetadata.checkStorage(type, value);
        if (type.isInteger()) {
            checkRange(key, type, (Long) value);
        }
        if (value instanceof GgufArray a) {
            checkArray(key, a, 1);
        }
        if (key.equals(GgufHeaderReader.ALIGNMENT_KEY)) {
            long a = type == GgufValueType.UINT32 ? (Long) value : -1;
            if (a <= 0 || Long.bitCount(a) != 1 || a > (1L << 30)) {
                throw new IllegalArgumentException("general.alignment must be a UINT32 power of two up to 2^30, not "
                        + type + " " + value);
            }
        }
        metadata.put(key, new PendingValue(type, value));
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    public GgufWriter putUint8(String key, int value) {
        return put(key, GgufValueType.UINT8, (long) value);
    }

    public GgufWriter putInt8(String key, int value) {
        return put(key, GgufValueType.INT8, (long) value);
    }

    public GgufWriter putUint16(String key, int value) {
        return put(key, GgufValueType.UINT16, (long) value);
    }

    public GgufWriter putInt16(String key, int value) {
        return put(key, GgufValueType.INT16, (long) value);
    }

    public GgufWriter putUint32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, (long) value);
    }

    /** {@code value} holds the raw 64 bits (values above 2^63 are negative longs). */
    public GgufWriter putUint64(String key, long value) {
        return put(key, GgufValueType.UINT64, value);
    }

    public GgufWriter putInt64(String key, long value) {
        return put(key, GgufValueType.INT64, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putFloat64(String key, double value) {
        return put(key, GgufValueType.FLOAT64, value);
    }

    public GgufWriter putArray(String key, GgufArray value) {
        return put(key, GgufValueType.ARRAY, value);
    }

    /** Sets {@code general.alignment}; tensor data offsets become multiples of it. */
    public GgufWriter alignment(int alignment) {
        return putUint32(GgufHeaderReader.ALIGNMENT_KEY, alignment);
    }

    /** Copies every key of {@code source} with its type, in its order. */
    public GgufWriter putAll(GgufMetadata source) {
        for (String key : source.keys()) {
            put(key, source.type(key), source.get(key));
        }
        return this;
    }

    // ---- tensors ----

    /** Adds a tensor whose bytes are copied from {@code data} at write time. */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, MemorySegment data) {
        long size = checkTensor(name, type, dims);
        if (data.byteSize() != size) {
            throw new IllegalArgumentException("tensor '" + name + "' " + type + " " + Arrays.toString(dims)
                    + " needs " + size + " bytes, got " + data.byteSize());
        }
        return add(name, type, dims, size, target -> MemorySegment.copy(data, 0, target, 0, size));
    }

    /** Adds a tensor whose bytes are copied from {@code data} at write time. */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, byte[] data) {
        return addTensor(name, type, dims, MemorySegment.ofArray(data));
    }

    /** Adds a tensor whose bytes {@code filler} writes into the output mapping at write time. */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, GgufTensorFiller filler) {
        Objects.requireNonNull(filler, "filler");
        return add(name, type, dims, checkTensor(name, type, dims), filler);
    }

    private GgufWriter add(String name, GgmlType type, long[] dims, long size, GgufTensorFiller filler) {
        tensors.add(new PendingTensor(name, type, dims.clone(), size, filler));
        tensorNames.add(name);
        return this;
    }

    private long checkTensor(String name, GgmlType type, long[] dims) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_TENSOR_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + name + "' is longer than "
                    + MAX_TENSOR_NAME_BYTES + " bytes (llama.cpp's limit)");
        }
        if (tensorNames.contains(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        if (dims.length > GgufHeaderReader.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + dims.length + " dimensions, at most "
                    + GgufHeaderReader.MAX_DIMS);
        }
        long elements = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension " + d);
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (dims.length > 0 && dims[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "' row length " + dims[0]
                    + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        long size = type.byteSize(elements);
        if (size < 0) {
            throw new IllegalArgumentException("tensor '" + name + "' " + Arrays.toString(dims) + " is too large");
        }
        return size;
    }

    private static void checkRange(String key, GgufValueType type, long v) {
        boolean ok = switch (type) {
            case UINT8 -> v >= 0 && v <= 0xFF;
            case INT8 -> v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
            case UINT16 -> v >= 0 && v <= 0xFFFF;
            case INT16 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
            case UINT32 -> v >= 0 && v <= 0xFFFF_FFFFL;
            case INT32 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            default -> true;
        };
        if (!ok) {
            throw new IllegalArgumentException("metadata key '" + key + "': " + v + " does not fit " + type);
        }
    }

    private static void checkArray(String key, GgufArray a, int depth) {
        if (depth > GgufHeaderReader.MAX_ARRAY_DEPTH) {
            throw new IllegalArgumentException("metadata key '" + key + "' nests arrays deeper than "
                    + GgufHeaderReader.MAX_ARRAY_DEPTH + " levels, which readers reject");
        }
        if (a.values() instanceof GgufArray[] nested) {
            for (GgufArray n : nested) {
                checkArray(key, Objects.requireNonNull(n, "nested array element"), depth + 1);
            }
        }
        if (a.values() instanceof String[] s) {
            for (String x : s) {
                Objects.requireNonNull(x, "string array element");
            }
        }
        if (a.elementType() == GgufValueType.BOOL) {
            for (byte b : (byte[]) a.values()) {
                if (b != 0 && b != 1) {
                    throw new IllegalArgumentException("metadata key '" + key + "': BOOL element " + b + " is not 0/1");
                }
            }
        }
    }

    // ---- output ----

    /** Writes the file; returns its size in bytes. */
    public long write(Path path) {
        int alignment = metadata.containsKey(GgufHeaderReader.ALIGNMENT_KEY)
                ? (int) (long) (Long) metadata.get(GgufHeaderReader.ALIGNMENT_KEY).value()
                : GgufHeaderReader.DEFAULT_ALIGNMENT;
        LittleEndianBytes header = new LittleEndianBytes();
        header.i32(GgufHeaderReader.MAGIC);
        header.i32(3);
        header.i64(tensors.size());
        header.i64(metadata.size());
        metadata.forEach((key, v) -> {
            header.string(key);
            header.i32(v.type().id());
            writeValue(header, v.type(), v.value());
        });
        long[] offsets = new long[tensors.size()];
        long dataSize = 0;
        for (int i = 0; i < tensors.size(); i++) {
            PendingTensor t = tensors.get(i);
            offsets[i] = dataSize;
            header.string(t.name());
            header.i32(t.dims().length);
            for (long d : t.dims()) {
                header.i64(d);
            }
            header.i32(t.type().id());
            header.i64(dataSize);
            dataSize = Math.addExact(dataSize, GgufHeaderReader.alignUp(t.byteSize(), alignment));
        }
        long dataOffset = GgufHeaderReader.alignUp(header.size(), alignment);
        // A header-only file (a vocabulary) ends at its header, as gguf-py writes it; readers accept both.
        long total = tensors.isEmpty() ? header.size() : Math.addExact(dataOffset, dataSize);

        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        try {
            Path temp = Files.createTempFile(dir, target.getFileName().toString() + ".", ".partial");
            try {
                try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE);
                     Arena arena = Arena.ofConfined()) {
                    MemorySegment out = ch.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
                    byte[] h = header.toByteArray();
                    MemorySegment.copy(h, 0, out, ValueLayout.JAVA_BYTE, 0, h.length);
                    for (int i = 0; i < tensors.size(); i++) {
                        PendingTensor t = tensors.get(i);
                        t.filler().fill(out.asSlice(dataOffset + offsets[i], t.byteSize()));
                    }
                    out.force();
                }
                try {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
        return total;
    }

    private static void writeValue(LittleEndianBytes out, GgufValueType type, Object value) {
        switch (type) {
            case UINT8, INT8 -> out.u8((int) (long) (Long) value);
            case UINT16, INT16 -> out.i16((int) (long) (Long) value);
            case UINT32, INT32 -> out.i32((int) (long) (Long) value);
            case UINT64, INT64 -> out.i64((Long) value);
            case FLOAT32 -> out.i32(Float.floatToRawIntBits((Float) value));
            case FLOAT64 -> out.i64(Double.doubleToRawLongBits((Double) value));
            case BOOL -> out.u8((Boolean) value ? 1 : 0);
            case STRING -> out.string((String) value);
            case ARRAY -> writeArray(out, (GgufArray) value);
        }
    }

    private static void writeArray(LittleEndianBytes out, GgufArray a) {
        out.i32(a.elementType().id());
        out.i64(a.length());
        switch (a.values()) {
            case byte[] v -> out.bytes(v);
            case short[] v -> {
                for (short x : v) {
                    out.i16(x);
                }
            }
            case int[] v -> {
                for (int x : v) {
                    out.i32(x);
                }
            }
            case long[] v -> {
                for (long x : v) {
                    out.i64(x);
                }
            }
            case float[] v -> {
                for (float x : v) {
                    out.i32(Float.floatToRawIntBits(x));
                }
            }
            case double[] v -> {
                for (double x : v) {
                    out.i64(Double.doubleToRawLongBits(x));
                }
            }
            case String[] v -> {
                for (String x : v) {
                    out.string(x);
                }
            }
            case GgufArray[] v -> {
                for (GgufArray x : v) {
                    writeArray(out, x);
                }
            }
            default -> throw new IllegalStateException("unexpected array storage " + a.values().getClass());
        }
    }

    /** A growable little-endian byte buffer for the header. */
    private static final class LittleEndianBytes extends ByteArrayOutputStream {
        LittleEndianBytes() {
            super(1 << 16);
        }

        void u8(int v) {
            write(v);
        }

        void i16(int v) {
            write(v);
            write(v >>> 8);
        }

        void i32(int v) {
            i16(v);
            i16(v >>> 16);
        }

        void i64(long v) {
            i32((int) v);
            i32((int) (v >>> 32));
        }

        void bytes(byte[] b) {
            write(b, 0, b.length);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b);
        }
    }
}
