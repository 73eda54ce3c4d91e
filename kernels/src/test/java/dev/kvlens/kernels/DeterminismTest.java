package dev.kvlens.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The same inputs give the same bits before and after the JIT compiles the kernels: KV Lens
 * promises identical events for identical inputs, so no reduction may depend on compilation state.
 */
class DeterminismTest {

    @Test
    void dotSoftmaxAndMatvecGiveTheSameBitsColdAndWarm() {
        SplittableRandom random = new SplittableRandom(5);
        float[] a = new float[1000];
        float[] b = new float[1000];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
            b[i] = (float) random.nextGaussian();
        }
        int rows = 8;
        int cols = 256;
        MemorySegment weights = Arena.ofAuto().allocate((long) rows * cols * Float.BYTES);
        for (long i = 0; i < (long) rows * cols; i++) {
            weights.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) random.nextGaussian());
        }
        WeightMatrix m = WeightMatrix.of(GgmlType.F32, weights, rows, cols);

        float coldDot = VectorOps.dot(a, 0, b, 0, a.length);
        float[] coldSoftmax = softmax(a);
        float[] coldSilu = a.clone();
        VectorOps.siluMul(coldSilu, 0, b, 0, coldSilu.length);
        float[] coldMatvec = new float[rows];
        m.matvec(b, coldMatvec);
        // Enough calls for C2 to compile the loops.
        for (int round = 0; round < 30_000; round++) {
            assertEquals(Float.floatToIntBits(coldDot), Float.floatToIntBits(VectorOps.dot(a, 0, b, 0, a.length)),
                    "dot product changed at call " + round);
            if (round % 1000 == 0) {
                float[] gate = a.clone();
                VectorOps.siluMul(gate, 0, b, 0, gate.length);
                for (int i = 0; i < gate.length; i++) {
                    assertEquals(Float.floatToIntBits(coldSilu[i]), Float.floatToIntBits(gate[i]), "silu " + i);
                }
                float[] warm = softmax(a);
                for (int i = 0; i < warm.length; i++) {
                    assertEquals(Float.floatToIntBits(coldSoftmax[i]), Float.floatToIntBits(warm[i]), "softmax " + i);
                }
            }
            if (round % 100 == 0) {
                float[] warm = new float[rows];
                m.matvec(b, warm);
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToIntBits(coldMatvec[r]), Float.floatToIntBits(warm[r]), "matvec row " + r);
                }
            }
        }
    }

    @Test
    void vectorExpIsWithinThreeUlpOfMathExp() {
        int lanes = Simd.L;
        float[] x = new float[4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = -87f + 87f * i / (x.length - 1); // softmax inputs: max subtracted, so <= 0
        }
        float[] e = new float[x.length];
        for (int i = 0; i < x.length; i += lanes) {
            Simd.exp(jdk.incubator.vector.FloatVector.fromArray(Simd.F, x, i)).intoArray(e, i);
        }
        for (int i = 0; i < x.length; i++) {
            float expected = (float) Math.exp(x[i]);
            assertEquals(expected, e[i], 3 * Math.ulp(expected), "exp(" + x[i] + ")");
        }
    }

    private static float[] softmax(float[] x) {
        float[] out = x.clone();
        VectorOps.softmax(out, 0, out.length);
        return out;
    }
}
