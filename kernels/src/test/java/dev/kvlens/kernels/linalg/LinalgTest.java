package dev.kvlens.kernels.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** ND4J's LAPACK and BLAS routes against matrices worked by hand. */
class LinalgTest {

    private static final double EPS = 1e-12;

    /** A diagonal matrix's singular values are the absolute diagonal, largest first. */
    @Test
    void singularValuesOfADiagonalMatrix() {
        double[] a = {
            3, 0,
            0, -4,
            0, 0};
        assertArrayEquals(new double[] {4, 3}, SingularValues.of(a, 3, 2), EPS);
        // The transpose (2 x 3, wider than tall) has the same ones.
        double[] t = {
            3, 0, 0,
            0, -4, 0};
        assertArrayEquals(new double[] {4, 3}, SingularValues.of(t, 2, 3), EPS);
    }

    /** u v^T with u = (1, 2, 3), v = (1, 2): one value |u| |v| = sqrt(14 * 5) = sqrt(70), the other 0. */
    @Test
    void singularValuesOfARankOneMatrix() {
        double[] a = {
            1, 2,
            2, 4,
            3, 6};
        assertArrayEquals(new double[] {Math.sqrt(70), 0}, SingularValues.of(a, 3, 2), 1e-12);
    }

    /** [[1, 1], [1, -1]] = sqrt(2) times a rotation: both values sqrt(2). One row: its length. */
    @Test
    void singularValuesOfAScaledRotationAndOfOneRow() {
        assertArrayEquals(new double[] {Math.sqrt(2), Math.sqrt(2)}, SingularValues.of(new double[] {1, 1, 1, -1}, 2, 2),
                EPS);
        assertArrayEquals(new double[] {5}, SingularValues.of(new double[] {3, 0, 4}, 1, 3), EPS);
        assertEquals(0, SingularValues.of(new double[0], 0, 4).length);
    }

    @Test
    void singularValuesRefuseBadInput() {
        var size = assertThrows(IllegalArgumentException.class, () -> SingularValues.of(new double[5], 2, 3));
        assertEquals("a 2 x 3 matrix needs 6 values, got 5", size.getMessage());
        var nan = assertThrows(IllegalArgumentException.class,
                () -> SingularValues.of(new double[] {1, Double.NaN, 0, 1}, 2, 2));
        assertEquals("value NaN at row 0, column 1 is not finite", nan.getMessage());
    }

    /** [[4, 2], [2, 3]] = L L^T with L = [[2, 0], [1, sqrt 2]]: 2*2 = 4, 1*2 = 2, 1 + 2 = 3. */
    @Test
    void choleskyOfATwoByTwo() {
        assertArrayEquals(new double[] {2, 0, 1, Math.sqrt(2)}, Cholesky.lower(new double[] {4, 2, 2, 3}, 2), EPS);
    }

    /**
     * The textbook 3 x 3: [[4, 12, -16], [12, 37, -43], [-16, -43, 98]] = L L^T with
     * L = [[2, 0, 0], [6, 1, 0], [-8, 5, 3]] (row 2: 64 + 25 + 9 = 98). The upper triangle is not read.
     */
    @Test
    void choleskyReadsOnlyTheLowerTriangle() {
        double[] a = {
            4, 999, 999,
            12, 37, 999,
            -16, -43, 98};
        assertArrayEquals(new double[] {2, 0, 0, 6, 1, 0, -8, 5, 3}, Cholesky.lower(a, 3), 1e-12);
    }

    /** [[1, 2], [2, 1]] has eigenvalues 3 and -1: no Cholesky factor. */
    @Test
    void choleskyRefusesAnIndefiniteMatrix() {
        var e = assertThrows(IllegalArgumentException.class, () -> Cholesky.lower(new double[] {1, 2, 2, 1}, 2));
        assertEquals(true, e.getMessage().startsWith("the matrix is not positive definite"), e.getMessage());
    }

    /**
     * Rows (1, 2), (-1, -2), (2, 1), (-2, -1): mean 0; E[x^2] = (1 + 1 + 4 + 4) / 4 = 2.5, E[y^2] = 2.5,
     * E[xy] = (2 + 2 + 2 + 2) / 4 = 2. Shifted by 1000 the covariance stays; repeated 50 times (200 rows,
     * over several BLAS blocks) it stays too.
     */
    @Test
    void covarianceOfRowsWorkedByHand() {
        float[][] rows = {{1, 2}, {-1, -2}, {2, 1}, {-2, -1}};
        try (CovarianceAccumulator acc = new CovarianceAccumulator(2)) {
            for (float[] r : rows) {
                acc.add(r, 0);
            }
            assertArrayEquals(new double[] {0, 0}, acc.mean(), EPS);
            assertArrayEquals(new double[] {2.5, 2, 2, 2.5}, acc.covariance(), EPS);
        }
        try (CovarianceAccumulator acc = new CovarianceAccumulator(2)) {
            float[] shifted = new float[3];
            for (int repeat = 0; repeat < 50; repeat++) {
                for (float[] r : rows) {
                    shifted[1] = r[0] + 1000;
                    shifted[2] = r[1] + 1000;
                    acc.add(shifted, 1);
                }
            }
            assertEquals(200, acc.rows());
            assertArrayEquals(new double[] {1000, 1000}, acc.mean(), 1e-9);
            assertArrayEquals(new double[] {2.5, 2, 2, 2.5}, acc.covariance(), 1e-9);
        }
    }
}
