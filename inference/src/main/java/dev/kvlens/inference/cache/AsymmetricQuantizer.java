package dev.kvlens.inference.cache;

/**
 * KIVI's asymmetric min/max quantisation of one group of numbers (POLICIES.md 14):
 * {@code scale = (max - min) / (2^b - 1)}, {@code code = clamp(round((x - min) / scale), 0, 2^b - 1)},
 * {@code x' = code * scale + min}. The minimum and scale are kept as fp16, as the reference keeps
 * them, and codes are computed from those rounded values so that dequantising uses exactly what
 * is stored. Rounding is half to even ({@code torch.round}). A group whose max equals its min (or
 * whose scale underflows fp16) gets scale 0 and code 0, so it dequantises to its minimum.
 */
public final class AsymmetricQuantizer {

    /** fp16's largest finite magnitude: extremes are clamped to it so every group stays finite. */
    private static final float HALF_MAX = 65504f;

    private AsymmetricQuantizer() {
    }

    /** {@code 2^bits - 1}. */
    public static int maxCode(int bits) {
        return (1 << bits) - 1;
    }

    /**
     * Computes the group {@code x[offset + i * stride]}, {@code i < count}: writes its fp16 scale to
     * {@code scales[at]} and its fp16 minimum to {@code minimums[at]}.
     */
    public static void parameters(float[] x, int offset, int stride, int count, int bits,
                                  short[] scales, short[] minimums, int at) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            float v = x[offset + i * stride];
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        short min16 = half(min);
        short max16 = half(max);
        float range = Float.float16ToFloat(max16) - Float.float16ToFloat(min16);
        scales[at] = half(range / maxCode(bits));
        minimums[at] = min16;
    }

    /** The code of {@code x} in a group with this scale and minimum (fp32 values of the stored fp16). */
    public static int code(float x, float scale, float minimum, int bits) {
        if (scale == 0f) {
            return 0;
        }
        float v = (x - minimum) / scale;
        int max = maxCode(bits);
        if (!(v > 0f)) {
            return 0; // also NaN
        }
        return v >= max ? max : (int) Math.rint(v);
    }

    /** {@code code * scale + minimum}. */
    public static float dequantise(int code, float scale, float minimum) {
        return code * scale + minimum;
    }

    /** Rounds to fp16, clamping to its finite range. */
    static short half(float v) {
        return Float.floatToFloat16(Math.max(-HALF_MAX, Math.min(HALF_MAX, v)));
    }
}
