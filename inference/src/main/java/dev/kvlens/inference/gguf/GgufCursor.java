package dev.kvlens.inference.gguf;

import dev.kvlens.inference.ModelFileException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A little-endian reading position over a mapped file that checks every read against the file's
 * size first, so that a hostile header produces a {@link ModelFileException} naming what was being
 * read and where, never an index exception or an oversized allocation.
 */
final class GgufCursor {

    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Largest Java array the VM reliably allocates. */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final Path file;
    private final MemorySegment segment;
    private final long size;
    private long pos;

    GgufCursor(Path file, MemorySegment segment) {
        this.file = file;
        this.segment = segment;
        this.size = segment.byteSize();
    }

    Path file() {
        return file;
    }

    long position() {
        return pos;
    }

    long size() {
        return size;
    }

    long remaining() {
        return size - pos;
    }

    /** Throws unless {@code n} more bytes exist at the current position. */
    void need(long n, String what) {
        if (n < 0 || n > size - pos) {
            String expected = n < 0 ? Long.toUnsignedString(n) : Long.toString(n);
            throw new ModelFileException(file, pos, "truncated: expected " + expected + " bytes for " + what
                    + " at byte " + pos + ", file has " + size);
        }
    }

    ModelFileException error(long at, String what) {
        return new ModelFileException(file, at, what);
    }

    byte u8(String what) {
        need(1, what);
        return segment.get(ValueLayout.JAVA_BYTE, pos++);
    }

    short i16(String what) {
        need(2, what);
        short v = segment.get(I16, pos);
        pos += 2;
        return v;
    }

    int i32(String what) {
        need(4, what);
        int v = segment.get(I32, pos);
        pos += 4;
        return v;
    }

    long i64(String what) {
        need(8, what);
        long v = segment.get(I64, pos);
        pos += 8;
        return v;
    }

    float f32(String what) {
        need(4, what);
        float v = segment.get(F32, pos);
        pos += 4;
        return v;
    }

    double f64(String what) {
        need(8, what);
        double v = segment.get(F64, pos);
        pos += 8;
        return v;
    }

    /** Copies {@code count} elements of {@code layout} into a new Java array of {@code arrayClass}. */
    <A> A bulk(ValueLayout layout, int count, A array, String what) {
        long bytes = (long) count * layout.byteSize();
        need(bytes, what);
        MemorySegment.copy(segment, layout, pos, array, 0, count);
        pos += bytes;
        return array;
    }

    /** A GGUF string: uint64 byte length, then that many bytes of UTF-8 (malformed bytes become U+FFFD). */
    String string(String what) {
        return string(-1, what);
    }

    /**
     * A string that is element {@code index} of {@code what} (or {@code what} itself when index < 0);
     * the description is only assembled when there is an error, as vocabularies hold 100k+ strings.
     */
    String string(long index, String what) {
        long start = pos;
        if (size - pos < 8) {
            need(8, "length of " + describe(index, what));
        }
        long length = segment.get(I64, pos);
        if (length < 0 || length > size - pos - 8) {
            throw new ModelFileException(file, start, "truncated: expected "
                    + Long.toUnsignedString(length) + " bytes for " + describe(index, what) + " at byte "
                    + (start + 8) + ", file has " + size);
        }
        if (length > MAX_ARRAY) {
            throw error(start, describe(index, what) + " is " + length + " bytes long, more than a Java string holds");
        }
        pos += 8;
        byte[] bytes = new byte[(int) length];
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, pos, bytes, 0, bytes.length);
        pos += length;
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String describe(long index, String what) {
        return index < 0 ? what : "element " + index + " of " + what;
    }
}
