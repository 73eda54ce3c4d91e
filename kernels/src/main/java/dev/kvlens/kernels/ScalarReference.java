package dev.kvlens.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Plain loops that decode each format exactly as ggml's {@code dequantize_row_*} in ggml-quants.c
 * does, written to be checked by eye. The vector kernels are tested against these.
 */
public final class ScalarReference {

    private ScalarReference() {
    }

    /** Decodes {@code cols} values of {@code type} starting at byte {@code offset} into {@code out}. */
    public static void dequantizeRow(GgmlType type, MemorySegment data, long offset, int cols, float[] out, int outOff) {
        switch (type) {
            case F32 -> {
                for (int i = 0; i < cols; i++) {
                    out[outOff + i] = data.get(Le.FLOAT, offset + 4L * i);
                }
            }
            case F16 -> {
                for (int i = 0; i < cols; i++) {
                    out[outOff + i] = half(data, offset + 2L * i);
                }
            }
            case BF16 -> {
                for (int i = 0; i < cols; i++) {
                    out[outOff + i] = Float.intBitsToFloat((data.get(Le.SHORT, offset + 2L * i) & 0xffff) << 16);
                }
            }
            case Q8_0 -> q8_0(data, offset, cols, out, outOff);
            case Q4_0 -> q4_0(data, offset, cols, out, outOff);
            case Q4_K -> q4K(data, offset, cols, out, outOff);
            case Q5_K -> q5K(data, offset, cols, out, outOff);
            case Q6_K -> q6K(data, offset, cols, out, outOff);
            default -> throw new IllegalArgumentException("no reference decoder for " + type);
        }
    }

    /**
     * {@code sum w_i * x_i} of one decoded row, accumulated in double. For Q4_0, x is first rounded to
     * 8 bits per block of 32 as llama.cpp does for those weights (see {@link #q4_0Q8Dot}).
     */
    public static double dot(GgmlType type, MemorySegment data, long offset, int cols, float[] x, int xOff) {
        if (type == GgmlType.Q4_0) {
            return q4_0Q8Dot(data, offset, cols, x, xOff);
        }
        float[] w = new float[cols];
        dequantizeRow(type, data, offset, cols, w, 0);
        double sum = 0;
        for (int i = 0; i < cols; i++) {
            sum += (double) w[i] * x[xOff + i];
        }
        return sum;
    }

    /**
     * ggml's {@code vec_dot_q4_0_q8_0} on the x86 rounding of x ({@code quantize_row_q8_0}): per block
     * of 32, {@code d = amax / 127} (kept as f16) and {@code q = rint(x * 127 / amax)}; the block's
     * integer dot {@code sum (w - 8) * q} scaled by both blocks' d.
     */
    public static double q4_0Q8Dot(MemorySegment data, long offset, int cols, float[] x, int xOff) {
        double sum = 0;
        for (int b = 0; b < cols / 32; b++) {
            long blk = offset + 18L * b;
            int xo = xOff + 32 * b;
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[xo + j]));
            }
            float id = amax != 0 ? 127f / amax : 0f;
            float dx = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
            int dot = 0;
            for (int j = 0; j < 16; j++) {
                int q = u8(data, blk + 2 + j);
                dot += ((q & 0x0f) - 8) * (int) Math.rint(x[xo + j] * id);
                dot += ((q >> 4) - 8) * (int) Math.rint(x[xo + 16 + j] * id);
            }
            sum += (double) half(data, blk) * dx * dot;
        }
        return sum;
    }

    static float half(MemorySegment data, long offset) {
        return Float.float16ToFloat(data.get(Le.SHORT, offset));
    }

    static int u8(MemorySegment data, long offset) {
        return data.get(Le.BYTE, offset) & 0xff;
    }

    /** Block: f16 d, 32 int8 q; value = q * d. */
    private static void q8_0(MemorySegment data, long offset, int cols, float[] out, int outOff) {
        for (int b = 0; b < cols / 32; b++) {
            long blk = offset + 34L * b;
            float d = half(data, blk);
            for (int j = 0; j < 32; j++) {
                out[outOff + 32 * b + j] = data.get(Le.BYTE, blk + 2 + j) * d;
            }
        }
    }

    /** Block: f16 d, 16 bytes; low nibble of byte j is element j, high nibble element j + 16; value (q - 8) * d. */
    private static void q4_0(MemorySegment data, long offset, int cols, float[] out, int outOff) {
        for (int b = 0; b < cols / 32; b++) {
            long blk = offset + 18L * b;
            float d = half(data, blk);
            for (int j = 0; j < 16; j++) {
                int q = u8(data, blk + 2 + j);
                out[outOff + 32 * b + j] = ((q & 0x0f) - 8) * d;
                out[outOff + 32 * b + j + 16] = ((q >> 4) - 8) * d;
            }
        }
    }

    /** ggml's get_scale_min_k4: 6-bit scale ({@code [0]}) and min ({@code [1]}) of sub-block {@code j}. */
    static void scaleMinK4(int j, MemorySegment data, long scales, int[] scMin) {
        if (j < 4) {
            scMin[0] = u8(data, scales + j) & 63;
            scMin[1] = u8(data, scales + j + 4) & 63;
        } else {
            scMin[0] = (u8(data, scales + j + 4) & 0xf) | ((u8(data, scales + j - 4) >> 6) << 4);
            scMin[1] = (u8(data, scales + j + 4) >> 4) | ((u8(data, scales + j) >> 6) << 4);
        }
    }

    /** Super-block of 256: f16 d, f16 dmin, 12 bytes scales/mins, 128 bytes qs. */
    private static void q4K(MemorySegment data, long offset, int cols, float[] out, int outOff) {
        int[] scMin = new int[2];
        for (int b = 0; b < cols / 256; b++) {
            long blk = offset + 144L * b;
            float d = half(data, blk);
            float dmin = half(data, blk + 2);
            long scales = blk + 4;
            long q = blk + 16;
            int y = outOff + 256 * b;
            int is = 0;
            for (int j = 0; j < 256; j += 64) {
                scaleMinK4(is, data, scales, scMin);
                float d1 = d * scMin[0];
                float m1 = dmin * scMin[1];
                scaleMinK4(is + 1, data, scales, scMin);
                float d2 = d * scMin[0];
                float m2 = dmin * scMin[1];
                for (int l = 0; l < 32; l++) {
                    out[y++] = d1 * (u8(data, q + l) & 0xf) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    out[y++] = d2 * (u8(data, q + l) >> 4) - m2;
                }
                q += 32;
                is += 2;
            }
        }
    }

    /** Super-block of 256: f16 d, f16 dmin, 12 bytes scales/mins, 32 bytes qh (5th bits), 128 bytes qs. */
    private static void q5K(MemorySegment data, long offset, int cols, float[] out, int outOff) {
        int[] scMin = new int[2];
        for (int b = 0; b < cols / 256; b++) {
            long blk = offset + 176L * b;
            float d = half(data, blk);
            float dmin = half(data, blk + 2);
            long scales = blk + 4;
            long qh = blk + 16;
            long ql = blk + 48;
            int y = outOff + 256 * b;
            int is = 0;
            int u1 = 1;
            int u2 = 2;
            for (int j = 0; j < 256; j += 64) {
                scaleMinK4(is, data, scales, scMin);
                float d1 = d * scMin[0];
                float m1 = dmin * scMin[1];
                scaleMinK4(is + 1, data, scales, scMin);
                float d2 = d * scMin[0];
                float m2 = dmin * scMin[1];
                for (int l = 0; l < 32; l++) {
                    out[y++] = d1 * ((u8(data, ql + l) & 0xf) + ((u8(data, qh + l) & u1) != 0 ? 16 : 0)) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    out[y++] = d2 * ((u8(data, ql + l) >> 4) + ((u8(data, qh + l) & u2) != 0 ? 16 : 0)) - m2;
                }
                ql += 32;
                is += 2;
                u1 <<= 2;
                u2 <<= 2;
            }
        }
    }

    /** Super-block of 256: 128 bytes ql, 64 bytes qh, 16 int8 scales, f16 d; value d * scale * (q6 - 32). */
    private static void q6K(MemorySegment data, long offset, int cols, float[] out, int outOff) {
        for (int b = 0; b < cols / 256; b++) {
            long blk = offset + 210L * b;
            float d = half(data, blk + 208);
            long ql = blk;
            long qh = blk + 128;
            long sc = blk + 192;
            int y = outOff + 256 * b;
            for (int n = 0; n < 256; n += 128) {
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int h = u8(data, qh + l);
                    int q1 = ((u8(data, ql + l) & 0xf) | ((h & 3) << 4)) - 32;
                    int q2 = ((u8(data, ql + l + 32) & 0xf) | (((h >> 2) & 3) << 4)) - 32;
                    int q3 = ((u8(data, ql + l) >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    int q4 = ((u8(data, ql + l + 32) >> 4) | (((h >> 6) & 3) << 4)) - 32;
                    out[y + l] = d * data.get(Le.BYTE, sc + is) * q1;
                    out[y + l + 32] = d * data.get(Le.BYTE, sc + is + 2) * q2;
                    out[y + l + 64] = d * data.get(Le.BYTE, sc + is + 4) * q3;
                    out[y + l + 96] = d * data.get(Le.BYTE, sc + is + 6) * q4;
                }
                y += 128;
                ql += 64;
                qh += 32;
                sc += 8;
            }
        }
    }
}
