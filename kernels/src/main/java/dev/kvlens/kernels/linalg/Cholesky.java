package dev.kvlens.kernels.linalg;

import dev.kvlens.kernels.backend.Nd4jBackend;
import org.nd4j.linalg.api.blas.BlasException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The Cholesky factor of a symmetric positive definite matrix through LAPACK {@code potrf} (ND4J), in double. */
public final class Cholesky {

    static {
        // ND4J's natives unpack to the app's cache folder, with OpenBLAS kernels for this CPU (as the backend does).
        Nd4jBackend.prepareNatives();
    }

    private Cholesky() {
    }

    /**
     * The lower triangular {@code L} with {@code L L^T = a}, row-major {@code n x n} (zeros above the
     * diagonal). Only the lower triangle of {@code a} is read.
     *
     * @throws IllegalArgumentException when {@code a} is not positive definite, or its size is not {@code n x n}
     */
    public static double[] lower(double[] a, int n) {
        if (n < 0 || (long) n * n != a.length) {
            throw new IllegalArgumentException("an " + n + " x " + n + " matrix needs " + (long) n * n + " values, got "
                    + a.length);
        }
        if (n == 0) {
            return new double[0];
        }
        // Row-major lower triangle = column-major upper: hand LAPACK the column-major copy of the lower part.
        double[] columnMajor = new double[a.length];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c <= r; c++) {
                double v = a[r * n + c];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("value " + v + " at row " + r + ", column " + c + " is not finite");
                }
                columnMajor[c * n + r] = v;
            }
        }
        try (INDArray m = Nd4j.create(columnMajor, new long[] {n, n}, 'f')) {
            try {
                Nd4j.getBlasWrapper().lapack().potrf(m, true);
            } catch (BlasException e) {
                throw new IllegalArgumentException("the matrix is not positive definite (" + e.getMessage() + ")", e);
            }
            double[] factor = m.data().asDouble(); // column-major
            double[] l = new double[a.length];
            for (int r = 0; r < n; r++) {
                for (int c = 0; c <= r; c++) {
                    l[r * n + c] = factor[c * n + r];
                }
            }
            return l;
        }
    }
}
