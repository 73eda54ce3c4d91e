package dev.kvlens.inference.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** KIVI's group quantisation on groups small enough to work out by hand. */
class AsymmetricQuantizerTest {

    private static float[] roundTrip(float[] group, int bits, float[] scaleAndMin, int[] codes) {
        short[] scales = new short[1];
        short[] minimums = new short[1];
        AsymmetricQuantizer.parameters(group, 0, 1, group.length, bits, scales, minimums, 0);
        float scale = Float.float16ToFloat(scales[0]);
        float min = Float.float16ToFloat(minimums[0]);
        scaleAndMin[0] = scale;
        scaleAndMin[1] = min;
        float[] out = new float[group.length];
        for (int i = 0; i < group.length; i++) {
            codes[i] = AsymmetricQuantizer.code(group[i], scale, min, bits);
            out[i] = AsymmetricQuantizer.dequantise(codes[i], scale, min);
        }
        return out;
    }

    @Test
    void fourNumbersTwoBitsRoundHalfToEven() {
        // min -1, max 2, scale (2 - -1) / (2^2 - 1) = 1 (exact in fp16).
        // (x - min) / scale = 0, 1.5, 3, 2.5 -> half to even: 0, 2, 3, 2 -> x' = -1, 1, 2, 1.
        float[] sm = new float[2];
        int[] codes = new int[4];
        float[] x = roundTrip(new float[] {-1f, 0.5f, 2f, 1.5f}, 2, sm, codes);
        assertEquals(1f, sm[0]);
        assertEquals(-1f, sm[1]);
        assertEquals(0, codes[0]);
        assertEquals(2, codes[1]);
        assertEquals(3, codes[2]);
        assertEquals(2, codes[3]); // 2.5 rounds to 2, not 3 (torch.round)
        assertEquals(-1f, x[0]);
        assertEquals(1f, x[1]);
        assertEquals(2f, x[2]);
        assertEquals(1f, x[3]);
    }

    @Test
    void scaleIsHeldAsFp16() {
        // [0, 1], 2 bits: scale 1/3 -> fp16 1365/4096 (mantissa 0.333.. * 1024 = 341.3 -> 341, exponent 2^-2).
        // 1 / (1365/4096) = 3.0007 -> clamped to 3; x' = 3 * 1365/4096 = 4095/4096.
        float[] sm = new float[2];
        int[] codes = new int[2];
        float[] x = roundTrip(new float[] {0f, 1f}, 2, sm, codes);
        assertEquals(1365f / 4096f, sm[0]);
        assertEquals(0f, sm[1]);
        assertEquals(3, codes[1]);
        assertEquals(4095f / 4096f, x[1]);
    }

    @Test
    void equalNumbersGetScaleZero() {
        // max == min: scale 0, code 0, x' = min as fp16: 0.7 -> 1.4 * 2^-1, mantissa 0.4 * 1024 = 409.6 -> 410,
        // (1024 + 410) / 2048 = 0.7001953125.
        float[] sm = new float[2];
        int[] codes = new int[3];
        float[] x = roundTrip(new float[] {0.7f, 0.7f, 0.7f}, 2, sm, codes);
        assertEquals(0f, sm[0]);
        assertEquals(0, codes[2]);
        assertEquals(0.7001953125f, x[2]);
    }

    @Test
    void fourBitsUseSixteenLevels() {
        // min 0, max 15, scale 15 / 15 = 1: codes 0, 3, 15 and 6.5 -> 6 (half to even); x' = code.
        float[] sm = new float[2];
        int[] codes = new int[4];
        float[] x = roundTrip(new float[] {0f, 3f, 15f, 6.5f}, 4, sm, codes);
        assertEquals(1f, sm[0]);
        assertEquals(15, codes[2]);
        assertEquals(6, codes[3]);
        assertEquals(6f, x[3]);
    }

    @Test
    void sixteenTwoBitCodesShareOneInt() {
        // codes 0, 2, 3, 2 at bits 0, 2, 4, 6: 0 + 2*4 + 3*16 + 2*64 = 184.
        int[] packed = new int[1];
        int[] codes = {0, 2, 3, 2};
        for (int i = 0; i < codes.length; i++) {
            PackedCodes.put(packed, i, 2, codes[i]);
        }
        assertEquals(184, packed[0]);
        PackedCodes.put(packed, 15, 2, 3); // the last of 16 slots: the sign bits
        assertEquals(3, PackedCodes.get(packed, 15, 2));
        assertEquals(3, PackedCodes.get(packed, 2, 2));
        assertEquals(1, PackedCodes.intsFor(16, 2));
        assertEquals(2, PackedCodes.intsFor(17, 2));
        assertEquals(1, PackedCodes.intsFor(8, 4));
        assertEquals(2, PackedCodes.intsFor(9, 4));
    }
}
