package dev.kvlens.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * One block per format written byte by byte from ggml's layout, with the expected values worked
 * out here from those bytes, not by the code under test.
 */
class DequantizeExamplesTest {

    private static final short HALF_ONE = 0x3c00;   // 1.0
    private static final short HALF_HALF = 0x3800;  // 0.5
    private static final short HALF_QUARTER = 0x3400; // 0.25

    private static void setHalf(byte[] b, int at, short h) {
        b[at] = (byte) h;
        b[at + 1] = (byte) (h >> 8);
    }

    /** Both the vector kernel and the scalar reference must produce {@code expected}. */
    private static void assertDecodes(GgmlType type, byte[] block, float[] expected) {
        WeightMatrix m = WeightMatrix.of(type, TestMatrices.offHeap(block), 1, expected.length);
        float[] got = new float[expected.length];
        m.dequantizeRow(0, got, 0);
        float[] ref = new float[expected.length];
        ScalarReference.dequantizeRow(type, MemorySegment.ofArray(block), 0, expected.length, ref, 0);
        float[] ones = new float[expected.length];
        java.util.Arrays.fill(ones, 1f);
        double sum = 0;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], 0f, type + " element " + i);
            assertEquals(expected[i], ref[i], 0f, type + " reference element " + i);
            sum += expected[i];
        }
        assertEquals(sum, m.dotRow(0, ones, 0), 1e-4 * (1 + Math.abs(sum)), type + " dot with ones");
    }

    @Test
    void q8_0Block() {
        byte[] b = new byte[34];
        setHalf(b, 0, HALF_QUARTER);
        float[] expected = new float[32];
        for (int j = 0; j < 32; j++) {
            b[2 + j] = (byte) (j - 16);
            expected[j] = (j - 16) * 0.25f;
        }
        b[2 + 31] = (byte) -128;
        expected[31] = -32f;
        b[2 + 30] = 127;
        expected[30] = 31.75f;
        assertDecodes(GgmlType.Q8_0, b, expected);
    }

    @Test
    void q4_0Block() {
        // d = 0.5; byte j holds nibble j (element j) low and 15 - j (element 16 + j) high.
        byte[] b = new byte[18];
        setHalf(b, 0, HALF_HALF);
        float[] expected = new float[32];
        for (int j = 0; j < 16; j++) {
            b[2 + j] = (byte) (j | ((15 - j) << 4));
            expected[j] = (j - 8) * 0.5f;
            expected[16 + j] = (15 - j - 8) * 0.5f;
        }
        assertDecodes(GgmlType.Q4_0, b, expected);
    }

    /** Packs 6-bit scales and mins as get_scale_min_k4 unpacks them. */
    private static void packKScales(byte[] b, int at, int[] sc, int[] mn) {
        for (int j = 0; j < 4; j++) {
            b[at + j] = (byte) ((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
            b[at + j + 4] = (byte) ((mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
            b[at + j + 8] = (byte) ((sc[j + 4] & 0xf) | ((mn[j + 4] & 0xf) << 4));
        }
    }

    private static final int[] K_SCALES = {1, 2, 3, 63, 40, 17, 33, 5};
    private static final int[] K_MINS = {0, 7, 62, 9, 16, 48, 1, 31};

    @Test
    void q4KBlock() {
        // d = 1, dmin = 0.5; in group c of 64, byte l holds (l % 16) low and (15 - l % 16) high.
        byte[] b = new byte[144];
        setHalf(b, 0, HALF_ONE);
        setHalf(b, 2, HALF_HALF);
        packKScales(b, 4, K_SCALES, K_MINS);
        float[] expected = new float[256];
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                int lo = l % 16;
                int hi = 15 - l % 16;
                b[16 + 32 * c + l] = (byte) (lo | (hi << 4));
                expected[64 * c + l] = K_SCALES[2 * c] * lo - 0.5f * K_MINS[2 * c];
                expected[64 * c + 32 + l] = K_SCALES[2 * c + 1] * hi - 0.5f * K_MINS[2 * c + 1];
            }
        }
        assertDecodes(GgmlType.Q4_K, b, expected);
    }

    @Test
    void q5KBlock() {
        // As Q4_K, plus qh[l] = l * 37 (mod 256): bit 2c adds 16 to the low half of group c, bit 2c+1 to the high.
        byte[] b = new byte[176];
        setHalf(b, 0, HALF_ONE);
        setHalf(b, 2, HALF_HALF);
        packKScales(b, 4, K_SCALES, K_MINS);
        float[] expected = new float[256];
        for (int l = 0; l < 32; l++) {
            b[16 + l] = (byte) (l * 37);
        }
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                int h = (l * 37) & 0xff;
                int lo = l % 16 + (((h >> (2 * c)) & 1) == 1 ? 16 : 0);
                int hi = 15 - l % 16 + (((h >> (2 * c + 1)) & 1) == 1 ? 16 : 0);
                b[48 + 32 * c + l] = (byte) ((l % 16) | ((15 - l % 16) << 4));
                expected[64 * c + l] = K_SCALES[2 * c] * lo - 0.5f * K_MINS[2 * c];
                expected[64 * c + 32 + l] = K_SCALES[2 * c + 1] * hi - 0.5f * K_MINS[2 * c + 1];
            }
        }
        assertDecodes(GgmlType.Q5_K, b, expected);
    }

    @Test
    void q6KBlock() {
        // d = 0.5, scale of group g (16 values) = g - 8, and value e's 6-bit quant = (5 * e) % 64.
        byte[] b = new byte[210];
        setHalf(b, 208, HALF_HALF);
        for (int g = 0; g < 16; g++) {
            b[192 + g] = (byte) (g - 8);
        }
        float[] expected = new float[256];
        int[] q = new int[256];
        for (int e = 0; e < 256; e++) {
            q[e] = (5 * e) % 64;
            expected[e] = 0.5f * (e / 16 - 8) * (q[e] - 32);
        }
        // Half h: ql[64h + l] = q(l) | q(l+64) << 4, ql[64h + 32 + l] = q(l+32) | q(l+96) << 4,
        // qh[32h + l] = top 2 bits of q(l), q(l+32), q(l+64), q(l+96) at bits 0, 2, 4, 6.
        for (int h = 0; h < 2; h++) {
            int y = 128 * h;
            for (int l = 0; l < 32; l++) {
                b[64 * h + l] = (byte) ((q[y + l] & 15) | ((q[y + l + 64] & 15) << 4));
                b[64 * h + 32 + l] = (byte) ((q[y + l + 32] & 15) | ((q[y + l + 96] & 15) << 4));
                b[128 + 32 * h + l] = (byte) ((q[y + l] >> 4) | ((q[y + l + 32] >> 4) << 2)
                        | ((q[y + l + 64] >> 4) << 4) | ((q[y + l + 96] >> 4) << 6));
            }
        }
        assertDecodes(GgmlType.Q6_K, b, expected);
    }

    @Test
    void halfAndBfloatRows() {
        // F16: 1.0, -2.0, 65504 (max), smallest subnormal 2^-24, +inf; BF16: 1.0, -0.5, 3.0 (0x4040).
        byte[] f16 = new byte[10];
        short[] halves = {0x3c00, (short) 0xc000, 0x7bff, 0x0001, 0x7c00};
        for (int i = 0; i < halves.length; i++) {
            setHalf(f16, 2 * i, halves[i]);
        }
        WeightMatrix m = WeightMatrix.of(GgmlType.F16, TestMatrices.offHeap(f16), 1, 5);
        float[] got = new float[5];
        m.dequantizeRow(0, got, 0);
        assertEquals(1f, got[0]);
        assertEquals(-2f, got[1]);
        assertEquals(65504f, got[2]);
        assertEquals(0x1p-24f, got[3]);
        assertEquals(Float.POSITIVE_INFINITY, got[4]);

        byte[] bf = new byte[6];
        setHalf(bf, 0, (short) 0x3f80);
        setHalf(bf, 2, (short) 0xbf00);
        setHalf(bf, 4, (short) 0x4040);
        WeightMatrix b = WeightMatrix.of(GgmlType.BF16, TestMatrices.offHeap(bf), 1, 3);
        float[] bgot = new float[3];
        b.dequantizeRow(0, bgot, 0);
        assertEquals(1f, bgot[0]);
        assertEquals(-0.5f, bgot[1]);
        assertEquals(3f, bgot[2]);
    }

    @Test
    void halfVectorPathHandlesEverySpecialValue() {
        // 32 halves per row so the vector loop (not only the scalar tail) sees subnormals, inf and NaN.
        int n = 65536;
        byte[] bytes = new byte[2 * n];
        for (int i = 0; i < n; i++) {
            setHalf(bytes, 2 * i, (short) i);
        }
        WeightMatrix m = WeightMatrix.of(GgmlType.F16, TestMatrices.offHeap(bytes), n / 32, 32);
        float[] row = new float[32];
        for (int r = 0; r < n / 32; r++) {
            m.dequantizeRow(r, row, 0);
            for (int i = 0; i < 32; i++) {
                float expected = Float.float16ToFloat((short) (r * 32 + i));
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(row[i]),
                        "half bits " + Integer.toHexString(r * 32 + i));
            }
        }
    }
}
