package dev.kvlens.kernels;

import static dev.kvlens.kernels.Simd.F;
import static dev.kvlens.kernels.Simd.L;

import jdk.incubator.vector.FloatVector;

/**
 * The register tile of long-prompt matmul: vector lanes hold tokens, not columns. The input is
 * transposed once per product ({@code xT[k * stride + t]}), so one vector load brings column k of
 * {@code L} tokens and one broadcast weight feeds it; 8 rows times 2 vectors of tokens keep 16
 * accumulators. Nothing is summed across lanes at the end (the column-lane tile of
 * {@link MatmulKernel} needs a reduction network and scattered stores per tile), and each output
 * is one fused multiply-add chain over k in order: the same bits for a token wherever it sits in
 * the prompt, interpreted or compiled. The tiles are written out in full, store for store: a
 * helper taking vectors that C2 declined to inline would box every one of them.
 */
final class TokenLaneKernel {

    /** Rows decoded together. */
    static final int ROWS = 8;
    /** Scratch floats the tiles need. */
    static final int SCRATCH = 2 * L;

    private TokenLaneKernel() {
    }

    /**
     * {@code xT[k * stride + t] = x[t * cols + k]} for tokens {@code [0, n)} and columns
     * {@code [k0, k1)}; lanes past n are left as they are (their outputs are never stored).
     * Whole groups of {@code L} tokens are gathered a column at a time (one vector per column).
     */
    static void transpose(float[] x, int n, int cols, float[] xT, int stride, int k0, int k1) {
        int[] tokenRows = new int[L];
        for (int j = 0; j < L; j++) {
            tokenRows[j] = j * cols;
        }
        int t = 0;
        for (; t + L <= n; t += L) {
            int base = t * cols;
            for (int k = k0, o = k0 * stride + t; k < k1; k++, o += stride) {
                FloatVector.fromArray(F, x, base + k, tokenRows, 0).intoArray(xT, o);
            }
        }
        for (int k = k0; k < k1; k++) {
            int o = k * stride;
            for (int u = t; u < n; u++) {
                xT[o + u] = x[u * cols + k];
            }
        }
    }

    /**
     * {@code out[(t0 + j) * rows + r0 + i] = w[i * cols ..] . x[t0 + j]} for {@code i < 8} and
     * {@code j < min(2L, valid)}, with x given transposed.
     */
    static void rows8Tokens2L(float[] w, int cols, float[] xT, int stride, int t0, int valid,
                              float[] out, int rows, int r0, float[] lanes) {
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F);
        FloatVector a40 = FloatVector.zero(F), a41 = FloatVector.zero(F);
        FloatVector a50 = FloatVector.zero(F), a51 = FloatVector.zero(F);
        FloatVector a60 = FloatVector.zero(F), a61 = FloatVector.zero(F);
        FloatVector a70 = FloatVector.zero(F), a71 = FloatVector.zero(F);
        int w1 = cols, w2 = 2 * cols, w3 = 3 * cols, w4 = 4 * cols, w5 = 5 * cols, w6 = 6 * cols, w7 = 7 * cols;
        for (int k = 0, xo = t0; k < cols; k++, xo += stride) {
            FloatVector u0 = FloatVector.fromArray(F, xT, xo);
            FloatVector u1 = FloatVector.fromArray(F, xT, xo + L);
            FloatVector b = FloatVector.broadcast(F, w[k]);
            a00 = u0.fma(b, a00);
            a01 = u1.fma(b, a01);
            b = FloatVector.broadcast(F, w[w1 + k]);
            a10 = u0.fma(b, a10);
            a11 = u1.fma(b, a11);
            b = FloatVector.broadcast(F, w[w2 + k]);
            a20 = u0.fma(b, a20);
            a21 = u1.fma(b, a21);
            b = FloatVector.broadcast(F, w[w3 + k]);
            a30 = u0.fma(b, a30);
            a31 = u1.fma(b, a31);
            b = FloatVector.broadcast(F, w[w4 + k]);
            a40 = u0.fma(b, a40);
            a41 = u1.fma(b, a41);
            b = FloatVector.broadcast(F, w[w5 + k]);
            a50 = u0.fma(b, a50);
            a51 = u1.fma(b, a51);
            b = FloatVector.broadcast(F, w[w6 + k]);
            a60 = u0.fma(b, a60);
            a61 = u1.fma(b, a61);
            b = FloatVector.broadcast(F, w[w7 + k]);
            a70 = u0.fma(b, a70);
            a71 = u1.fma(b, a71);
        }
        int count = Math.min(2 * L, valid);
        a00.intoArray(lanes, 0);
        a01.intoArray(lanes, L);
        store(lanes, count, out, rows, t0, r0);
        a10.intoArray(lanes, 0);
        a11.intoArray(lanes, L);
        store(lanes, count, out, rows, t0, r0 + 1);
        a20.intoArray(lanes, 0);
        a21.intoArray(lanes, L);
        store(lanes, count, out, rows, t0, r0 + 2);
        a30.intoArray(lanes, 0);
        a31.intoArray(lanes, L);
        store(lanes, count, out, rows, t0, r0 + 3);
        a40.intoArray(lanes, 0);
        a41.intoArray(lanes, L);
        store(lanes, count, out, rows, t0, r0 + 4);
        a50.intoArray(lanes, 0);
        a51.intoArray(lanes, L);
        store(lanes, count, out, rows, t0, r0 + 5);
        a60.intoArray(lanes, 0);
        a61.intoArray(lanes, L);
        store(lanes, count, out, rows, t0, r0 + 6);
        a70.intoArray(lanes, 0);
        a71.intoArray(lanes, L);
        store(lanes, count, out, rows, t0, r0 + 7);
    }

    /** As {@link #rows8Tokens2L} for one vector of tokens (the last {@code L} of a prompt). */
    static void rows8TokensL(float[] w, int cols, float[] xT, int stride, int t0, int valid,
                             float[] out, int rows, int r0, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector a4 = FloatVector.zero(F), a5 = FloatVector.zero(F), a6 = FloatVector.zero(F), a7 = FloatVector.zero(F);
        int w1 = cols, w2 = 2 * cols, w3 = 3 * cols, w4 = 4 * cols, w5 = 5 * cols, w6 = 6 * cols, w7 = 7 * cols;
        for (int k = 0, xo = t0; k < cols; k++, xo += stride) {
            FloatVector u = FloatVector.fromArray(F, xT, xo);
            a0 = u.fma(FloatVector.broadcast(F, w[k]), a0);
            a1 = u.fma(FloatVector.broadcast(F, w[w1 + k]), a1);
            a2 = u.fma(FloatVector.broadcast(F, w[w2 + k]), a2);
            a3 = u.fma(FloatVector.broadcast(F, w[w3 + k]), a3);
            a4 = u.fma(FloatVector.broadcast(F, w[w4 + k]), a4);
            a5 = u.fma(FloatVector.broadcast(F, w[w5 + k]), a5);
            a6 = u.fma(FloatVector.broadcast(F, w[w6 + k]), a6);
            a7 = u.fma(FloatVector.broadcast(F, w[w7 + k]), a7);
        }
        int count = Math.min(L, valid);
        a0.intoArray(lanes, 0);
        store(lanes, count, out, rows, t0, r0);
        a1.intoArray(lanes, 0);
        store(lanes, count, out, rows, t0, r0 + 1);
        a2.intoArray(lanes, 0);
        store(lanes, count, out, rows, t0, r0 + 2);
        a3.intoArray(lanes, 0);
        store(lanes, count, out, rows, t0, r0 + 3);
        a4.intoArray(lanes, 0);
        store(lanes, count, out, rows, t0, r0 + 4);
        a5.intoArray(lanes, 0);
        store(lanes, count, out, rows, t0, r0 + 5);
        a6.intoArray(lanes, 0);
        store(lanes, count, out, rows, t0, r0 + 6);
        a7.intoArray(lanes, 0);
        store(lanes, count, out, rows, t0, r0 + 7);
    }

    /** Row {@code row}'s outputs for tokens {@code t0 ..}: one float every {@code rows}. */
    private static void store(float[] lanes, int count, float[] out, int rows, int t0, int row) {
        for (int j = 0, o = t0 * rows + row; j < count; j++, o += rows) {
            out[o] = lanes[j];
        }
    }

    /**
     * The same chain for one row and one token, in scalars: the rows that do not fill a tile of 8
     * get exactly the bits the tile would have given them.
     */
    static float dot(float[] w, int wOffset, float[] xT, int stride, int t, int cols) {
        float acc = 0f;
        for (int k = 0, xo = t; k < cols; k++, xo += stride) {
            acc = Math.fma(xT[xo], w[wOffset + k], acc);
        }
        return acc;
    }
}
