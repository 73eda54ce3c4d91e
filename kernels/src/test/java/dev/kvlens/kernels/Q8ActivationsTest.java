package dev.kvlens.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** How Q4_0 products round their input (llama.cpp's x86 quantize_row_q8_0), worked by hand. */
class Q8ActivationsTest {

    @Test
    void eachBlockIsRoundedToItsOwnScaleTiesToEven() {
        float[] x = new float[96];
        // block 0: amax 127, so d = 1 and q = rint(x): -2.5 -> -2 and 3.5 -> 4 (ties to even), 0.49 -> 0
        x[0] = 127f;
        x[1] = -2.5f;
        x[2] = 3.5f;
        x[3] = 0.49f;
        x[31] = -127f;
        // block 1 all zero: d = 0, everything stays 0
        // block 2: amax 254, so d = 2 and q = rint(x / 2): 5 -> 2.5 -> 2, 7 -> 3.5 -> 4, -254 -> -127
        x[64] = 5f;
        x[65] = 7f;
        x[95] = -254f;
        float[] out = new float[96];
        Q8Activations.roundTrip(x, 0, 96, out, 0);
        float[] expected = new float[96];
        expected[0] = 127f;
        expected[1] = -2f;
        expected[2] = 4f;
        expected[31] = -127f;
        expected[64] = 4f;
        expected[65] = 8f;
        expected[95] = -254f;
        assertArrayEquals(expected, out);
    }

    @Test
    void theScaleIsKeptAsHalfFloat() {
        float[] x = new float[32];
        x[0] = 1f; // d = 1/127, which f16 holds as 0.007873535
        x[1] = 0.5f; // 0.5 * 127 = 63.5 -> 64 (ties to even)
        float[] out = new float[32];
        Q8Activations.roundTrip(x, 0, 32, out, 0);
        float d = 0.007873535f;
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(1f / 127f)), d);
        assertEquals(127 * d, out[0]);
        assertEquals(64 * d, out[1]);
    }

    /**
     * The integer kernel against a float dot of the decoded row with the rounded input, for widths
     * whose blocks fill whole vector groups and for one with a block left over.
     */
    @Test
    void q4_0ProductsAreTheRoundedInputTimesTheRow() {
        for (int cols : new int[] {64, 160, 576}) {
            byte[] bytes = TestMatrices.randomBlocks(GgmlType.Q4_0, 9, cols, new Random(cols));
            WeightMatrix m = WeightMatrix.of(GgmlType.Q4_0, TestMatrices.offHeap(bytes), 9, cols);
            float[] x = TestMatrices.gaussian(new Random(cols + 1), cols, 1f);
            float[] rounded = m.roundedInput(x, 1);
            float[] out = new float[9];
            m.matvec(x, out);
            float[] w = new float[cols];
            for (int r = 0; r < 9; r++) {
                m.dequantizeRow(r, w, 0);
                double dot = 0;
                double abs = 0;
                for (int i = 0; i < cols; i++) {
                    dot += (double) w[i] * rounded[i];
                    abs += Math.abs((double) w[i] * rounded[i]);
                }
                assertEquals(dot, out[r], 2e-6 * abs, "cols " + cols + " row " + r);
            }
        }
    }
}
