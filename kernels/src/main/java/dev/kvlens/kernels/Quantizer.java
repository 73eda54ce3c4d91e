package dev.kvlens.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Float to GGML formats, so that KV Lens can write GGUF files llama.cpp reads and tests can make
 * matrices of every format. F16, BF16, Q8_0 and Q4_0 follow ggml's {@code quantize_row_*_ref}
 * bit for bit. The K-quants use a simpler single-pass search than ggml's iterative one; their
 * blocks decode with ggml's dequantisers, only the chosen scales may differ.
 */
public final class Quantizer {

    private Quantizer() {
    }

    /** IEEE half float, round to nearest even (as ggml's F16C path). */
    public static short toF16(float v) {
        return Float.floatToFloat16(v);
    }

    /** bfloat16 as ggml_compute_fp32_to_bf16: round to nearest even, NaNs kept quiet. */
    public static short toBf16(float v) {
        int u = Float.floatToRawIntBits(v);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    /** Encodes {@code n} floats into a new byte array of {@code type.byteSize(n)} bytes. */
    public static byte[] quantize(GgmlType type, float[] src, int srcOff, int n) {
        long size = type.byteSize(n);
        if (size < 0 || size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(n + " values do not make whole " + type + " blocks of "
                    + type.blockSize() + " (or are too many for one array)");
        }
        byte[] out = new byte[(int) size];
        quantize(type, src, srcOff, n, MemorySegment.ofArray(out), 0);
        return out;
    }

    /**
     * Encodes {@code src[srcOff .. srcOff + n)} into {@code dst} at {@code dstOff}; {@code n} must be
     * a whole number of blocks. Returns the number of bytes written.
     */
    public static long quantize(GgmlType type, float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        long size = type.byteSize(n);
        if (size < 0) {
            throw new IllegalArgumentException(n + " values do not make whole " + type + " blocks of " + type.blockSize());
        }
        if (srcOff < 0 || srcOff + (long) n > src.length) {
            throw new IllegalArgumentException("source range " + srcOff + " + " + n + " exceeds " + src.length);
        }
        if (dstOff < 0 || dstOff + size > dst.byteSize()) {
            throw new IllegalArgumentException(type + " of " + n + " values needs " + size + " bytes at "
                    + dstOff + ", destination holds " + dst.byteSize());
        }
        int blocks = n / type.blockSize();
        long o = dstOff;
        int x = srcOff;
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(Le.FLOAT, o + 4L * i, src[x + i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(Le.SHORT, o + 2L * i, toF16(src[x + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(Le.SHORT, o + 2L * i, toBf16(src[x + i]));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < blocks; b++) {
                    q8_0Block(src, x + 32 * b, dst, o + 34L * b);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++) {
                    q4_0Block(src, x + 32 * b, dst, o + 18L * b);
                }
            }
            case Q4_K -> {
                for (int b = 0; b < blocks; b++) {
                    qKBlock(src, x + 256 * b, dst, o + 144L * b, 15);
                }
            }
            case Q5_K -> {
                for (int b = 0; b < blocks; b++) {
                    qKBlock(src, x + 256 * b, dst, o + 176L * b, 31);
                }
            }
            case Q6_K -> {
                for (int b = 0; b < blocks; b++) {
                    q6KBlock(src, x + 256 * b, dst, o + 210L * b);
                }
            }
            default -> throw new IllegalArgumentException("cannot quantize to " + type);
        }
        return size;
    }

    /** C's roundf: halves go away from zero. */
    static int roundf(float v) {
        double a = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -a : a);
    }

    /** quantize_row_q8_0_ref: d = amax / 127, q = roundf(x / d). */
    private static void q8_0Block(float[] x, int xo, MemorySegment dst, long o) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[xo + j]));
        }
        float d = amax / 127f;
        float id = d != 0 ? 1.0f / d : 0.0f;
        dst.set(Le.SHORT, o, toF16(d));
        for (int j = 0; j < 32; j++) {
            dst.set(Le.BYTE, o + 2 + j, (byte) roundf(x[xo + j] * id));
        }
    }

    /** quantize_row_q4_0_ref: d = (value of largest magnitude) / -8, q = min(15, (int8)(x / d + 8.5)). */
    private static void q4_0Block(float[] x, int xo, MemorySegment dst, long o) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0 ? 1.0f / d : 0.0f;
        dst.set(Le.SHORT, o, toF16(d));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (byte) (int) (x[xo + j] * id + 8.5f));
            int q1 = Math.min(15, (byte) (int) (x[xo + 16 + j] * id + 8.5f));
            dst.set(Le.BYTE, o + 2 + j, (byte) (q0 | (q1 << 4)));
        }
    }

    /**
     * Q4_K ({@code levels} 15) or Q5_K ({@code levels} 31): per sub-block of 32 an affine range
     * [min(x, 0), max(x)], its step and offset quantised to 6 bits against super-block d and dmin.
     */
    private static void qKBlock(float[] x, int xo, MemorySegment dst, long o, int levels) {
        float[] step = new float[8];
        float[] offset = new float[8];
        float maxStep = 0;
        float maxOffset = 0;
        for (int j = 0; j < 8; j++) {
            float mn = 0;
            float mx = -Float.MAX_VALUE;
            for (int l = 0; l < 32; l++) {
                float v = x[xo + 32 * j + l];
                mn = Math.min(mn, v);
                mx = Math.max(mx, v);
            }
            step[j] = (mx - mn) / levels;
            offset[j] = -mn;
            maxStep = Math.max(maxStep, step[j]);
            maxOffset = Math.max(maxOffset, offset[j]);
        }
        short dBits = toF16(maxStep / 63);
        short dminBits = toF16(maxOffset / 63);
        float d = Float.float16ToFloat(dBits);
        float dmin = Float.float16ToFloat(dminBits);
        int[] ls = new int[8];
        int[] lm = new int[8];
        for (int j = 0; j < 8; j++) {
            // Round the step up so the top of the range stays reachable, the offset to nearest.
            ls[j] = d > 0 ? Math.min(63, (int) Math.ceil(step[j] / d)) : 0;
            lm[j] = dmin > 0 ? Math.min(63, Math.round(offset[j] / dmin)) : 0;
        }
        dst.set(Le.SHORT, o, dBits);
        dst.set(Le.SHORT, o + 2, dminBits);
        byte[] scales = new byte[12];
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                scales[j] = (byte) ls[j];
                scales[j + 4] = (byte) lm[j];
            } else {
                scales[j + 4] = (byte) ((ls[j] & 0xf) | ((lm[j] & 0xf) << 4));
                scales[j - 4] |= (byte) ((ls[j] >> 4) << 6);
                scales[j] |= (byte) ((lm[j] >> 4) << 6);
            }
        }
        for (int i = 0; i < 12; i++) {
            dst.set(Le.BYTE, o + 4 + i, scales[i]);
        }
        int[] q = new int[256];
        for (int j = 0; j < 8; j++) {
            float sc = d * ls[j];
            float m = dmin * lm[j];
            for (int l = 0; l < 32; l++) {
                int v = sc > 0 ? Math.round((x[xo + 32 * j + l] + m) / sc) : 0;
                q[32 * j + l] = Math.max(0, Math.min(levels, v));
            }
        }
        long qs = o + (levels == 15 ? 16 : 48);
        if (levels == 31) {
            byte[] qh = new byte[32];
            int m1 = 1;
            int m2 = 2;
            for (int n = 0; n < 256; n += 64) {
                for (int l = 0; l < 32; l++) {
                    if (q[n + l] > 15) {
                        q[n + l] -= 16;
                        qh[l] |= (byte) m1;
                    }
                    if (q[n + l + 32] > 15) {
                        q[n + l + 32] -= 16;
                        qh[l] |= (byte) m2;
                    }
                }
                m1 <<= 2;
                m2 <<= 2;
            }
            for (int l = 0; l < 32; l++) {
                dst.set(Le.BYTE, o + 16 + l, qh[l]);
            }
        }
        for (int n = 0; n < 256; n += 64) {
            for (int l = 0; l < 32; l++) {
                dst.set(Le.BYTE, qs + n / 2 + l, (byte) (q[n + l] | (q[n + l + 32] << 4)));
            }
        }
    }

    /** Q6_K: per 16 values a scale amax / 31 quantised to int8 against d; quants -32..31 stored + 32. */
    private static void q6KBlock(float[] x, int xo, MemorySegment dst, long o) {
        float[] step = new float[16];
        float maxStep = 0;
        for (int g = 0; g < 16; g++) {
            float amax = 0;
            for (int l = 0; l < 16; l++) {
                amax = Math.max(amax, Math.abs(x[xo + 16 * g + l]));
            }
            step[g] = amax / 31;
            maxStep = Math.max(maxStep, step[g]);
        }
        short dBits = toF16(maxStep / 127);
        float d = Float.float16ToFloat(dBits);
        int[] sc = new int[16];
        int[] q = new int[256];
        for (int g = 0; g < 16; g++) {
            sc[g] = d > 0 ? Math.min(127, (int) Math.ceil(step[g] / d)) : 0;
            float s = d * sc[g];
            for (int l = 0; l < 16; l++) {
                int v = s > 0 ? Math.round(x[xo + 16 * g + l] / s) : 0;
                q[16 * g + l] = Math.max(-32, Math.min(31, v)) + 32;
            }
        }
        for (int n = 0; n < 256; n += 128) {
            long ql = o + n / 2;
            long qh = o + 128 + n / 4;
            for (int l = 0; l < 32; l++) {
                int q1 = q[n + l];
                int q2 = q[n + l + 32];
                int q3 = q[n + l + 64];
                int q4 = q[n + l + 96];
                dst.set(Le.BYTE, ql + l, (byte) ((q1 & 0xf) | ((q3 & 0xf) << 4)));
                dst.set(Le.BYTE, ql + l + 32, (byte) ((q2 & 0xf) | ((q4 & 0xf) << 4)));
                dst.set(Le.BYTE, qh + l, (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)));
            }
        }
        for (int g = 0; g < 16; g++) {
            dst.set(Le.BYTE, o + 192 + g, (byte) sc[g]);
        }
        dst.set(Le.SHORT, o + 208, dBits);
    }
}
