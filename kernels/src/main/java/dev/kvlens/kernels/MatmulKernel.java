package dev.kvlens.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile of matmul: 4 decoded weight rows times 4 tokens, 16 accumulators, so each
 * loaded vector feeds four FMAs instead of one.
 */
final class MatmulKernel {

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = F.length();

    /** Scratch floats {@link #tile4x4} needs. */
    static final int SCRATCH = 16 * L;

    private MatmulKernel() {
    }

    /**
     * {@code out[(t0 + j) * rows + r0 + i] = w[i * cols ..] . x[(t0 + j) * cols ..]} for i, j < 4.
     * {@code lanes} is scratch of at least {@code 16 * L} floats.
     */
    static void tile4x4(float[] w, int cols, float[] x, int t0, float[] out, int rows, int r0, float[] lanes) {
        int w0 = 0;
        int w1 = cols;
        int w2 = 2 * cols;
        int w3 = 3 * cols;
        int x0 = t0 * cols;
        int x1 = x0 + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a23 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), a33 = FloatVector.zero(F);
        int k = 0;
        for (int bound = F.loopBound(cols); k < bound; k += L) {
            FloatVector v0 = FloatVector.fromArray(F, w, w0 + k);
            FloatVector v1 = FloatVector.fromArray(F, w, w1 + k);
            FloatVector v2 = FloatVector.fromArray(F, w, w2 + k);
            FloatVector v3 = FloatVector.fromArray(F, w, w3 + k);
            FloatVector u = FloatVector.fromArray(F, x, x0 + k);
            a00 = v0.fma(u, a00);
            a10 = v1.fma(u, a10);
            a20 = v2.fma(u, a20);
            a30 = v3.fma(u, a30);
            u = FloatVector.fromArray(F, x, x1 + k);
            a01 = v0.fma(u, a01);
            a11 = v1.fma(u, a11);
            a21 = v2.fma(u, a21);
            a31 = v3.fma(u, a31);
            u = FloatVector.fromArray(F, x, x2 + k);
            a02 = v0.fma(u, a02);
            a12 = v1.fma(u, a12);
            a22 = v2.fma(u, a22);
            a32 = v3.fma(u, a32);
            u = FloatVector.fromArray(F, x, x3 + k);
            a03 = v0.fma(u, a03);
            a13 = v1.fma(u, a13);
            a23 = v2.fma(u, a23);
            a33 = v3.fma(u, a33);
        }
        // Lanes go out to memory and are summed in a fixed scalar order: deterministic wherever it
        // runs (like Simd.sum), and 16 calls of Simd.sum here halved matmul speed.
        a00.intoArray(lanes, 0);
        a01.intoArray(lanes, L);
        a02.intoArray(lanes, 2 * L);
        a03.intoArray(lanes, 3 * L);
        a10.intoArray(lanes, 4 * L);
        a11.intoArray(lanes, 5 * L);
        a12.intoArray(lanes, 6 * L);
        a13.intoArray(lanes, 7 * L);
        a20.intoArray(lanes, 8 * L);
        a21.intoArray(lanes, 9 * L);
        a22.intoArray(lanes, 10 * L);
        a23.intoArray(lanes, 11 * L);
        a30.intoArray(lanes, 12 * L);
        a31.intoArray(lanes, 13 * L);
        a32.intoArray(lanes, 14 * L);
        a33.intoArray(lanes, 15 * L);
        float[] s = new float[16];
        for (int a = 0; a < 16; a++) {
            float sum = 0;
            for (int l = 0; l < L; l++) {
                sum += lanes[a * L + l];
            }
            s[a] = sum;
        }
        for (; k < cols; k++) {
            for (int i = 0; i < 4; i++) {
                float wv = w[i * cols + k];
                for (int j = 0; j < 4; j++) {
                    s[i * 4 + j] += wv * x[(t0 + j) * cols + k];
                }
            }
        }
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                out[(t0 + j) * rows + r0 + i] = s[i * 4 + j];
            }
        }
    }
}
