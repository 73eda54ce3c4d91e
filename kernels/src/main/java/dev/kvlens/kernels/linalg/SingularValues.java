package dev.kvlens.kernels.linalg;

import dev.kvlens.kernels.backend.Nd4jBackend;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Singular values of a dense matrix through LAPACK {@code gesvd} (ND4J's BLAS wrapper), in double
 * precision. ND4J 1.0.0-M2.1's {@code svd} custom op ({@code Nd4j.linalg.svd}) fails in its shape
 * calculation on every input, so the LAPACK route is the one that works on that release.
 */
public final class SingularValues {

    static {
        // ND4J's natives unpack to the app's cache folder, with OpenBLAS kernels for this CPU (as the backend does).
        Nd4jBackend.prepareNatives();
    }

    private SingularValues() {
    }

    /**
     * The {@code min(rows, cols)} singular values of the {@code rows x cols} row-major matrix {@code a},
     * largest first. An empty matrix has none.
     *
     * @throws IllegalArgumentException when the sizes do not match or a value is not finite
     */
    public static double[] of(double[] a, int rows, int cols) {
        if (rows < 0 || cols < 0 || (long) rows * cols != a.length) {
            throw new IllegalArgumentException("a " + rows + " x " + cols + " matrix needs " + (long) rows * cols
                    + " values, got " + a.length);
        }
        for (int i = 0; i < a.length; i++) {
            if (!Double.isFinite(a[i])) {
                throw new IllegalArgumentException("value " + a[i] + " at row " + i / cols + ", column " + i % cols
                        + " is not finite");
            }
        }
        int k = Math.min(rows, cols);
        if (k == 0) {
            return new double[0];
        }
        // LAPACK reads column-major (and overwrites its input, a copy here).
        double[] columnMajor = new double[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                columnMajor[c * rows + r] = a[r * cols + c];
            }
        }
        try (INDArray m = Nd4j.create(columnMajor, new long[] {rows, cols}, 'f');
             INDArray s = Nd4j.create(DataType.DOUBLE, k)) {
            Nd4j.getBlasWrapper().lapack().gesvd(m, s, null, null);
            double[] values = s.toDoubleVector();
            // LAPACK returns them descending; clamp the tiny negatives rounding can leave at zero.
            for (int i = 0; i < values.length; i++) {
                values[i] = Math.max(0, values[i]);
            }
            return values;
        }
    }
}
