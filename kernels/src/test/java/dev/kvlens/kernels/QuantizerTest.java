package dev.kvlens.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QuantizerTest {

    @Test
    void f16ExactCases() {
        assertEquals((short) 0x3c00, Quantizer.toF16(1f));
        assertEquals((short) 0xc000, Quantizer.toF16(-2f));
        assertEquals((short) 0x7bff, Quantizer.toF16(65504f));
        assertEquals((short) 0x7c00, Quantizer.toF16(65520f)); // halfway past max rounds to inf
        assertEquals((short) 0x0001, Quantizer.toF16(0x1p-24f));
        assertEquals((short) 0x0000, Quantizer.toF16(0x1p-25f)); // tie rounds to even (zero)
        // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties to even gives 1.0.
        assertEquals((short) 0x3c00, Quantizer.toF16(1f + 0x1p-11f));
        assertEquals((short) 0x3c02, Quantizer.toF16(1f + 3 * 0x1p-11f));
    }

    @Test
    void bf16ExactCases() {
        assertEquals((short) 0x3f80, Quantizer.toBf16(1f));
        assertEquals((short) 0xc040, Quantizer.toBf16(-3f));
        // 1 + 2^-8 is halfway between bf16 1.0 and 1 + 2^-7: to even, 1.0.
        assertEquals((short) 0x3f80, Quantizer.toBf16(1f + 0x1p-8f));
        // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6: to even, 1 + 2^-6.
        assertEquals((short) 0x3f82, Quantizer.toBf16(1f + 3 * 0x1p-8f));
        // just above halfway rounds up
        assertEquals((short) 0x3f81, Quantizer.toBf16(1f + 0x1p-8f + 0x1p-20f));
        short nan = Quantizer.toBf16(Float.intBitsToFloat(0x7f800001));
        assertTrue(Float.isNaN(Float.intBitsToFloat((nan & 0xffff) << 16)), "NaN stays NaN");
    }

    @Test
    void q8_0HandExample() {
        // amax = 2.54, so d = 0.02 and q = roundf(x / 0.02) with halves away from zero.
        float[] x = new float[32];
        x[0] = 2.54f;
        x[1] = -2.54f;
        x[2] = 0.05f;   // about 2.5 steps; ggml rounds the float product 0.05f * id
        x[3] = -0.05f;
        x[4] = 1f;
        byte[] b = Quantizer.quantize(GgmlType.Q8_0, x, 0, 32);
        assertEquals(34, b.length);
        float d = 2.54f / 127f;
        float id = 1f / d;
        MemorySegment seg = MemorySegment.ofArray(b);
        assertEquals(Float.floatToFloat16(d), seg.get(Le.SHORT, 0));
        assertEquals(127, b[2]);
        assertEquals(-127, b[3]);
        assertEquals((int) Math.floor(0.05f * id + 0.5), b[4]);
        assertEquals(-(int) Math.floor(0.05f * id + 0.5), b[5]);
        assertEquals(50, b[6]);
        assertEquals(0, b[7]);
    }

    @Test
    void q4_0HandExample() {
        // The largest magnitude is -4 (negative): d = -4 / -8 = 0.5, q = min(15, trunc(x / 0.5 + 8.5)).
        float[] x = new float[32];
        x[0] = -4f;   // -8 + 8.5 -> 0
        x[1] = 3.9f;  // 7.8 + 8.5 = 16.3 -> 16 -> clamped 15
        x[16] = 1f;   // 2 + 8.5 -> 10
        x[17] = 0.3f; // 0.6 + 8.5 = 9.1 -> 9
        byte[] b = Quantizer.quantize(GgmlType.Q4_0, x, 0, 32);
        assertEquals(18, b.length);
        assertEquals((short) 0x3800, MemorySegment.ofArray(b).get(Le.SHORT, 0));
        assertEquals(0 | (10 << 4), b[2] & 0xff);
        assertEquals(15 | (9 << 4), b[3] & 0xff);
        assertEquals(8 | (8 << 4), b[4] & 0xff); // zeros -> 8
    }

    @Test
    void roundfGoesAwayFromZero() {
        assertEquals(3, Quantizer.roundf(2.5f));
        assertEquals(-3, Quantizer.roundf(-2.5f));
        assertEquals(2, Quantizer.roundf(2.4999998f));
        assertEquals(0, Quantizer.roundf(-0.4f));
    }

    private static float[] roundTrip(GgmlType type, float[] x) {
        byte[] b = Quantizer.quantize(type, x, 0, x.length);
        assertEquals(type.byteSize(x.length), b.length);
        float[] y = new float[x.length];
        WeightMatrix.of(type, TestMatrices.offHeap(b), 1, x.length).dequantizeRow(0, y, 0);
        float[] ref = new float[x.length];
        ScalarReference.dequantizeRow(type, MemorySegment.ofArray(b), 0, x.length, ref, 0);
        for (int i = 0; i < x.length; i++) {
            assertEquals(ref[i], y[i], 0f);
        }
        return y;
    }

    @Test
    void blockQuantsStayWithinHalfAStep() {
        float[] x = TestMatrices.gaussian(new Random(1), 32 * 64, 1f);
        float[] q8 = roundTrip(GgmlType.Q8_0, x);
        float[] q4 = roundTrip(GgmlType.Q4_0, x);
        for (int b = 0; b < 64; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[32 * b + j]));
            }
            for (int j = 0; j < 32; j++) {
                int i = 32 * b + j;
                // half a step, plus the step's own f16 rounding times up to 127 steps
                assertTrue(Math.abs(q8[i] - x[i]) <= amax / 127 * 0.5f + amax * 0x1p-11f, "Q8_0 at " + i);
                // Q4_0's one-sided range (-8..7 steps) may clip the far end by a whole step
                assertTrue(Math.abs(q4[i] - x[i]) <= amax / 8 * 1.001f + 1e-6f, "Q4_0 at " + i);
            }
        }
    }

    @Test
    void kQuantsRoundTripWithinExpectedError() {
        float[] x = TestMatrices.gaussian(new Random(2), 256 * 32, 1f);
        // rms error of a uniform quantiser is step / sqrt(12); steps here are about range / levels
        assertRelativeRms(GgmlType.Q4_K, x, roundTrip(GgmlType.Q4_K, x), 0.11);
        assertRelativeRms(GgmlType.Q5_K, x, roundTrip(GgmlType.Q5_K, x), 0.055);
        assertRelativeRms(GgmlType.Q6_K, x, roundTrip(GgmlType.Q6_K, x), 0.03);
        assertRelativeRms(GgmlType.F16, x, roundTrip(GgmlType.F16, x), 0x1p-11);
        assertRelativeRms(GgmlType.BF16, x, roundTrip(GgmlType.BF16, x), 0x1p-8);
    }

    private static void assertRelativeRms(GgmlType type, float[] x, float[] y, double bound) {
        double err = 0;
        double sig = 0;
        for (int i = 0; i < x.length; i++) {
            err += (x[i] - y[i]) * (double) (x[i] - y[i]);
            sig += x[i] * (double) x[i];
        }
        double rel = Math.sqrt(err / sig);
        assertTrue(rel < bound, type + " relative rms error " + rel + " >= " + bound);
        assertTrue(rel > 0 || type == GgmlType.F32, type + " lost nothing? suspicious");
    }

    @Test
    void allZeroBlocksDecodeToZero() {
        for (GgmlType type : TestMatrices.FORMATS) {
            float[] y = roundTrip(type, new float[256]);
            for (float v : y) {
                assertEquals(0f, Math.abs(v), type.toString());
            }
        }
    }

    @Test
    void rejectsPartialBlocksAndShortDestinations() {
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(GgmlType.Q4_0, new float[40], 0, 40));
        assertThrows(IllegalArgumentException.class,
                () -> Quantizer.quantize(GgmlType.Q8_0, new float[32], 0, 32, MemorySegment.ofArray(new byte[33]), 0));
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(GgmlType.Q2_K, new float[256], 0, 256));
    }
}
