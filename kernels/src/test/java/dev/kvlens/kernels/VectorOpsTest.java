package dev.kvlens.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The vector ops against plain loops in double precision. */
class VectorOpsTest {

    private static final int[] SIZES = {1, 3, 15, 16, 17, 64, 77, 576, 1000};

    @Test
    void dot() {
        Random rnd = new Random(1);
        for (int n : SIZES) {
            float[] a = TestMatrices.gaussian(rnd, n + 2, 1f);
            float[] b = TestMatrices.gaussian(rnd, n + 5, 1f);
            double expected = 0;
            double abs = 0;
            for (int i = 0; i < n; i++) {
                expected += (double) a[2 + i] * b[5 + i];
                abs += Math.abs((double) a[2 + i] * b[5 + i]);
            }
            assertEquals(expected, VectorOps.dot(a, 2, b, 5, n), 1e-6 * abs, "n " + n);
        }
    }

    @Test
    void rmsnormMatchesLlamaCppFormula() {
        Random rnd = new Random(2);
        for (int n : SIZES) {
            float[] x = TestMatrices.gaussian(rnd, n + 1, 3f);
            float[] w = TestMatrices.gaussian(rnd, n, 1f);
            float[] out = new float[n + 4];
            float eps = 1e-5f;
            VectorOps.rmsnorm(out, 4, x, 1, w, n, eps);
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ss += (double) x[1 + i] * x[1 + i];
            }
            double scale = 1 / Math.sqrt(ss / n + eps);
            for (int i = 0; i < n; i++) {
                double e = x[1 + i] * scale * w[i];
                assertEquals(e, out[4 + i], 1e-5 * (1 + Math.abs(e)), "n " + n + " i " + i);
            }
            // in place
            float[] y = x.clone();
            VectorOps.rmsnorm(y, 1, y, 1, w, n, eps);
            for (int i = 0; i < n; i++) {
                assertEquals(out[4 + i], y[1 + i], 0f);
            }
        }
    }

    @Test
    void softmaxInPlace() {
        Random rnd = new Random(3);
        for (int n : SIZES) {
            float[] x = TestMatrices.gaussian(rnd, n + 3, 10f);
            x[3] = 200f; // large values must not overflow: the max is subtracted first
            float[] orig = x.clone();
            VectorOps.softmax(x, 3, n);
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, orig[3 + i]);
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += Math.exp(orig[3 + i] - max);
            }
            for (int i = 0; i < n; i++) {
                double e = Math.exp(orig[3 + i] - max) / sum;
                assertEquals(e, x[3 + i], 1e-6 + 1e-5 * e, "n " + n + " i " + i);
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(orig[i], x[i], 0f, "outside the range untouched");
            }
        }
    }

    @Test
    void softmaxWithMaskedEntries() {
        float[] x = {Float.NEGATIVE_INFINITY, 0f, Float.NEGATIVE_INFINITY, 0f};
        VectorOps.softmax(x, 0, 4);
        assertEquals(0f, x[0]);
        assertEquals(0.5f, x[1], 1e-7f);
        assertEquals(0f, x[2]);
        assertEquals(0.5f, x[3], 1e-7f);
    }

    @Test
    void axpyAddScaleMax() {
        Random rnd = new Random(4);
        for (int n : SIZES) {
            float[] out = TestMatrices.gaussian(rnd, n + 1, 1f);
            float[] x = TestMatrices.gaussian(rnd, n + 2, 1f);
            float[] expected = out.clone();
            for (int i = 0; i < n; i++) {
                expected[1 + i] += 0.7f * x[2 + i];
            }
            VectorOps.axpy(out, 1, 0.7f, x, 2, n);
            for (int i = 0; i < n + 1; i++) {
                assertEquals(expected[i], out[i], 1e-6f);
            }
            float[] sum = out.clone();
            VectorOps.add(sum, 1, x, 2, n);
            for (int i = 0; i < n; i++) {
                assertEquals(out[1 + i] + x[2 + i], sum[1 + i], 0f);
            }
            float m = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                m = Math.max(m, x[2 + i]);
            }
            assertEquals(m, VectorOps.max(x, 2, n), 0f);
            float[] s = x.clone();
            VectorOps.scale(s, 2, 3f, n);
            for (int i = 0; i < n; i++) {
                assertEquals(x[2 + i] * 3f, s[2 + i], 0f);
            }
        }
    }

    @Test
    void siluMul() {
        Random rnd = new Random(5);
        for (int n : SIZES) {
            float[] gate = TestMatrices.gaussian(rnd, n + 1, 4f);
            float[] up = TestMatrices.gaussian(rnd, n, 1f);
            float[] orig = gate.clone();
            VectorOps.siluMul(gate, 1, up, 0, n);
            for (int i = 0; i < n; i++) {
                double g = orig[1 + i];
                double e = g / (1 + Math.exp(-g)) * up[i];
                assertEquals(e, gate[1 + i], 1e-6 * (1 + Math.abs(e)), "n " + n + " i " + i);
            }
        }
    }
}
