package dev.kvlens.kernels.backend;

import dev.kvlens.kernels.Parallel;
import dev.kvlens.kernels.PreparedInput;
import dev.kvlens.kernels.WeightMatrix;

/** Matrix products on the weight matrices' own Vector API kernels; stateless. */
final class VectorApiProducts implements MatrixProducts {

    @Override
    public void matvec(WeightMatrix m, float[] x, float[] out) {
        m.matvec(x, out);
    }

    @Override
    public void matmul(WeightMatrix m, float[] x, int n, float[] out) {
        if (n == 1) {
            m.matvec(x, out);
        } else {
            m.matmul(x, n, out);
        }
    }

    /**
     * All rows of the two or three matrices as one parallel range: each range is a hand-off
     * between threads, and a decode step has about 200 of them. The input is prepared once for
     * matrices of one format (Q4_0 rounds it), not per matrix and range. Row for row the bits are
     * those of separate matvecs.
     */
    @Override
    public void matvecs(float[] x, WeightMatrix a, float[] outA, WeightMatrix b, float[] outB,
                        WeightMatrix c, float[] outC) {
        int rowsA = a.rows();
        int rowsAB = rowsA + b.rows();
        int total = rowsAB + (c == null ? 0 : c.rows());
        PreparedInput inA = a.prepare(x);
        PreparedInput inB = inA.fits(b) ? inA : b.prepare(x);
        PreparedInput inC = c == null ? null : inA.fits(c) ? inA : c.prepare(x);
        Parallel.forRange(total, (start, end) -> {
            if (start < rowsA) {
                a.matvecRows(inA, start, Math.min(end, rowsA), outA, start);
            }
            if (start < rowsAB && end > rowsA) {
                int from = Math.max(start, rowsA) - rowsA;
                b.matvecRows(inB, from, Math.min(end, rowsAB) - rowsA, outB, from);
            }
            if (end > rowsAB) {
                int from = Math.max(start, rowsAB) - rowsAB;
                c.matvecRows(inC, from, end - rowsAB, outC, from);
            }
        });
    }
}
