package dev.kvlens.inference.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hand-assembles GGUF bytes field by field, independently of {@link GgufWriter}, so that tests can
 * state exact layouts and build files the writer would refuse to produce.
 */
final class GgufTestBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    GgufTestBytes u8(int v) {
        out.write(v);
        return this;
    }

    GgufTestBytes u16(int v) {
        return u8(v & 0xff).u8((v >>> 8) & 0xff);
    }

    GgufTestBytes u32(long v) {
        return u16((int) (v & 0xffff)).u16((int) ((v >>> 16) & 0xffff));
    }

    GgufTestBytes u64(long v) {
        return u32(v & 0xffff_ffffL).u32(v >>> 32);
    }

    GgufTestBytes f32(float v) {
        return u32(Integer.toUnsignedLong(Float.floatToRawIntBits(v)));
    }

    GgufTestBytes f64(double v) {
        return u64(Double.doubleToRawLongBits(v));
    }

    GgufTestBytes raw(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    /** A GGUF string: uint64 length + UTF-8 bytes. */
    GgufTestBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return u64(b.length).raw(b);
    }

    /** "GGUF", version, tensor count, kv count. */
    GgufTestBytes header(int version, long tensors, long kvs) {
        return raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(version).u64(tensors).u64(kvs);
    }

    /** A key followed by its type id; the caller appends the value. */
    GgufTestBytes key(String key, GgufValueType type) {
        return str(key).u32(type.id());
    }

    /** A tensor info: name, n_dims, dims, type id, offset. */
    GgufTestBytes tensorInfo(String name, long[] dims, int typeId, long offset) {
        str(name).u32(dims.length);
        for (long d : dims) {
            u64(d);
        }
        return u32(typeId).u64(offset);
    }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    GgufTestBytes pad(int alignment) {
        while (out.size() % alignment != 0) {
            out.write(0);
        }
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    Path writeTo(Path file) {
        try {
            Files.write(file, out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
