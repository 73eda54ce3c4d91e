package dev.kvlens.inference.cli;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A GGUF file's bytes with patch helpers that find fields by searching for the GGUF string
 * (uint64 length + UTF-8) of a key or tensor name, independently of the reader under test.
 */
final class GgufBytes {

    final byte[] bytes;
    private final ByteBuffer le;

    GgufBytes(byte[] bytes) {
        this.bytes = bytes;
        this.le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Offset just after the GGUF string {@code s}; fails when it is absent or ambiguous. */
    int after(String s) {
        byte[] text = s.getBytes(StandardCharsets.UTF_8);
        byte[] needle = ByteBuffer.allocate(8 + text.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(text.length).put(text).array();
        int found = -1;
        for (int i = 0; i + needle.length <= bytes.length; i++) {
            if (matches(needle, i)) {
                if (found >= 0) {
                    throw new IllegalStateException("'" + s + "' occurs twice");
                }
                found = i;
            }
        }
        if (found < 0) {
            throw new IllegalStateException("'" + s + "' not found");
        }
        return found + needle.length;
    }

    private boolean matches(byte[] needle, int at) {
        for (int j = 0; j < needle.length; j++) {
            if (bytes[at + j] != needle[j]) {
                return false;
            }
        }
        return true;
    }

    /** Offset of dimension {@code d} of the named tensor's info. */
    int tensorDim(String tensor, int d) {
        return after(tensor) + 4 + 8 * d;
    }

    /** Offset of the named tensor's type id. */
    int tensorType(String tensor) {
        int nDims = le.getInt(after(tensor));
        return after(tensor) + 4 + 8 * nDims;
    }

    /** Offset of the named tensor's data offset. */
    int tensorOffset(String tensor) {
        return tensorType(tensor) + 4;
    }

    GgufBytes putU32(int at, int value) {
        le.putInt(at, value);
        return this;
    }

    GgufBytes putU64(int at, long value) {
        le.putLong(at, value);
        return this;
    }

    GgufBytes putAscii(int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, bytes, at, b.length);
        return this;
    }
}
