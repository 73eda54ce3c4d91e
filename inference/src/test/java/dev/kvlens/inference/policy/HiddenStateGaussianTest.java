package dev.kvlens.inference.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.kernels.linalg.CovarianceAccumulator;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** GVote's Gaussian over hidden states (POLICIES.md 13, diagonal vs full covariance), on hand-worked inputs. */
class HiddenStateGaussianTest {

    /**
     * Rows (2, 1), (0, -3), (3, 0), (-1, -2) are (1, -1) plus (1, 2), (-1, -2), (2, 1), (-2, -1): mean
     * (1, -1), covariance [[2.5, 2], [2, 2.5]] (see LinalgTest), whose Cholesky factor is
     * [[sqrt 2.5, 0], [2 / sqrt 2.5, sqrt(2.5 - 1.6)]] = [[1.5811, 0], [1.2649, 0.9487]]. 200 000 samples'
     * empirical mean and covariance come within a few standard errors (about 0.004 for the mean,
     * 0.007 for a covariance term) of the fit; a diagonal fit of the same rows has correlation 0.
     */
    @Test
    void aFullFitSamplesTheCovarianceOfItsRows() {
        HiddenStateGaussian full;
        try (CovarianceAccumulator acc = new CovarianceAccumulator(2)) {
            for (float[] r : new float[][] {{2, 1}, {0, -3}, {3, 0}, {-1, -2}}) {
                acc.add(r, 0);
            }
            assertArrayEquals(new double[] {1, -1}, acc.mean(), 1e-12);
            assertArrayEquals(new double[] {2.5, 2, 2, 2.5}, acc.covariance(), 1e-12);
            full = HiddenStateGaussian.full(acc);
        }
        assertEquals(0, full.ridge());
        double[] moments = moments(full, 200_000, 7);
        assertEquals(1, moments[0], 0.03);
        assertEquals(-1, moments[1], 0.03);
        assertEquals(2.5, moments[2], 0.05);
        assertEquals(2.0, moments[3], 0.05);
        assertEquals(2.5, moments[4], 0.05);

        double sd = Math.sqrt(2.5);
        double[] diagonal = moments(HiddenStateGaussian.diagonal(new double[] {1, -1}, new double[] {sd, sd}), 200_000, 7);
        assertEquals(0.0, diagonal[3], 0.05);
        assertEquals(2.5, diagonal[2], 0.05);
    }

    /**
     * Rows (0, 0), (4, 0), (0, 2), (4, 2): mean (2, 1), variances 4 and 1, covariance 0. Its Cholesky
     * factor is diag(2, 1), so with the same seed the full fit draws exactly what the diagonal fit
     * with deviations (2, 1) draws: the same hidden states, so the same synthetic queries and votes.
     */
    @Test
    void aFullFitOfADiagonalCovarianceDrawsWhatTheDiagonalFitDraws() {
        HiddenStateGaussian full;
        try (CovarianceAccumulator acc = new CovarianceAccumulator(2)) {
            for (float[] r : new float[][] {{0, 0}, {4, 0}, {0, 2}, {4, 2}}) {
                acc.add(r, 0);
            }
            assertArrayEquals(new double[] {4, 0, 0, 1}, acc.covariance(), 1e-12);
            full = HiddenStateGaussian.full(acc);
        }
        HiddenStateGaussian diagonal = HiddenStateGaussian.diagonal(new double[] {2, 1}, new double[] {2, 1});
        Random a = new Random(42);
        Random b = new Random(42);
        float[] x = new float[2];
        float[] y = new float[2];
        for (int s = 0; s < 100; s++) {
            full.sample(a, x);
            diagonal.sample(b, y);
            assertArrayEquals(y, x, "sample " + s);
        }
    }

    /**
     * [[1, 1], [1, 1]] is singular (Cholesky: L00 = 1, L10 = 1, L11^2 = 1 - 1 = 0), so the fit adds the
     * smallest ridge from the ladder that factors it; its samples stay on the line y = x, to within a
     * few square roots of the ridge (x - y has variance 2 * ridge), and spread along it.
     */
    @Test
    void aSingularCovarianceGetsATinyRidgeAndSamplesStayInItsSubspace() {
        HiddenStateGaussian full = HiddenStateGaussian.full(new double[] {2, 2}, new double[] {1, 1, 1, 1});
        assertTrue(full.ridge() > 0 && full.ridge() <= 1e-3, "ridge " + full.ridge());
        assertOnTheLine(full);
        // The same from rows (1, 1), (2, 2), (3, 3): covariance (2/3) [[1, 1], [1, 1]], singular up to rounding.
        try (CovarianceAccumulator acc = new CovarianceAccumulator(2)) {
            for (float[] r : new float[][] {{1, 1}, {2, 2}, {3, 3}}) {
                acc.add(r, 0);
            }
            HiddenStateGaussian fitted = HiddenStateGaussian.full(acc);
            assertTrue(fitted.ridge() <= 1e-3 * 2 / 3.0, "ridge " + fitted.ridge());
            assertOnTheLine(fitted);
        }
    }

    private static void assertOnTheLine(HiddenStateGaussian g) {
        Random random = new Random(3);
        float[] x = new float[2];
        double spread = 0;
        for (int s = 0; s < 1000; s++) {
            g.sample(random, x);
            assertEquals(x[0], x[1], 10 * Math.sqrt(g.ridge()) + 1e-5, "sample " + s);
            spread = Math.max(spread, Math.abs(x[0] - 2));
        }
        assertTrue(spread > 1, "samples spread along the line: " + spread);
    }

    /** Identical rows: zero covariance, every sample is the mean. */
    @Test
    void aZeroCovarianceSamplesTheMean() {
        HiddenStateGaussian full = HiddenStateGaussian.full(new double[] {0.5, -3}, new double[4]);
        float[] x = new float[2];
        full.sample(new Random(1), x);
        assertArrayEquals(new float[] {0.5f, -3f}, x);
    }

    /** Mean x, mean y, var x, cov xy, var y of {@code n} samples. */
    private static double[] moments(HiddenStateGaussian g, int n, long seed) {
        Random random = new Random(seed);
        float[] x = new float[2];
        double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
        for (int i = 0; i < n; i++) {
            g.sample(random, x);
            sx += x[0];
            sy += x[1];
            sxx += x[0] * (double) x[0];
            sxy += x[0] * (double) x[1];
            syy += x[1] * (double) x[1];
        }
        double mx = sx / n, my = sy / n;
        return new double[] {mx, my, sxx / n - mx * mx, sxy / n - mx * my, syy / n - my * my};
    }
}
