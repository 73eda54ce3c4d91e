package dev.kvlens.inference.policy;

import dev.kvlens.kernels.linalg.Cholesky;
import dev.kvlens.kernels.linalg.CovarianceAccumulator;
import java.util.Random;

/**
 * GVote's Gaussian over one layer's normalised attention inputs (POLICIES.md 13, steps 1-2): a mean and
 * a lower triangular factor {@code L} of the covariance, sampled as {@code x = mu + L eps} with
 * {@code eps ~ N(0, I)}. The diagonal fit's factor is {@code diag(sigma)}; the full fit's is the
 * Cholesky factor of the {@code D x D} covariance. Both draw {@code eps} in the same order (dimension 0
 * first), so a full fit of a diagonal covariance draws exactly what the diagonal fit draws.
 */
final class HiddenStateGaussian {

    /** Ridge steps tried on a singular covariance, relative to its mean variance: 1e-10, 1e-9, ... 1e-3. */
    private static final double FIRST_RIDGE = 1e-10;
    private static final double LAST_RIDGE = 1e-3;

    private final double[] mean;
    /** Standard deviations (diagonal fit), or null. */
    private final double[] deviation;
    /** Row-major lower factor (full fit), or null. */
    private final double[] lower;
    private final double ridge;
    private final double[] eps;

    private HiddenStateGaussian(double[] mean, double[] deviation, double[] lower, double ridge) {
        this.mean = mean;
        this.deviation = deviation;
        this.lower = lower;
        this.ridge = ridge;
        this.eps = new double[mean.length];
    }

    /** Independent dimensions with these means and standard deviations. */
    static HiddenStateGaussian diagonal(double[] mean, double[] deviation) {
        if (mean.length != deviation.length) {
            throw new IllegalArgumentException(mean.length + " means but " + deviation.length + " deviations");
        }
        return new HiddenStateGaussian(mean.clone(), deviation.clone(), null, 0);
    }

    /**
     * The full Gaussian of the rows {@code acc} saw: their mean and population covariance, factored by
     * Cholesky. A singular covariance (fewer rows than dimensions, or a constant dimension) gets the
     * smallest ridge {@code r * meanVariance * I}, r = 1e-10, 1e-9, ... 1e-3, that makes it positive
     * definite; a zero covariance samples the mean.
     */
    static HiddenStateGaussian full(CovarianceAccumulator acc) {
        return full(acc.mean(), acc.covariance());
    }

    /** As {@link #full(CovarianceAccumulator)} for a given mean and row-major covariance. */
    static HiddenStateGaussian full(double[] mean, double[] covariance) {
        int dim = mean.length;
        if (covariance.length != dim * dim) {
            throw new IllegalArgumentException("a " + dim + "-dimensional covariance needs " + dim * dim
                    + " values, got " + covariance.length);
        }
        double trace = 0;
        for (int d = 0; d < dim; d++) {
            trace += covariance[d * dim + d];
        }
        if (!(trace > 0)) {
            return new HiddenStateGaussian(mean.clone(), null, new double[dim * dim], 0);
        }
        double scale = trace / dim;
        double[] work = covariance.clone();
        double added = 0;
        for (double r = 0; ; r = r == 0 ? FIRST_RIDGE : r * 10) {
            double ridge = r * scale;
            for (int d = 0; d < dim; d++) {
                work[d * dim + d] += ridge - added;
            }
            added = ridge;
            try {
                return new HiddenStateGaussian(mean.clone(), null, Cholesky.lower(work, dim), ridge);
            } catch (IllegalArgumentException notPositiveDefinite) {
                if (r >= LAST_RIDGE) {
                    throw new IllegalArgumentException("the hidden-state covariance stays indefinite with a ridge of "
                            + ridge + " (" + r + " of the mean variance)", notPositiveDefinite);
                }
            }
        }
    }

    int dim() {
        return mean.length;
    }

    /** What was added to the covariance's diagonal to factor it (0 for diagonal fits and definite ones). */
    double ridge() {
        return ridge;
    }

    /** Draws one sample into {@code out}, consuming {@code dim} Gaussians of {@code random}, dimension 0 first. */
    void sample(Random random, float[] out) {
        int dim = mean.length;
        for (int d = 0; d < dim; d++) {
            eps[d] = random.nextGaussian();
        }
        if (deviation != null) {
            for (int d = 0; d < dim; d++) {
                out[d] = (float) (mean[d] + deviation[d] * eps[d]);
            }
            return;
        }
        for (int d = 0; d < dim; d++) {
            double v = mean[d];
            int row = d * dim;
            for (int j = 0; j <= d; j++) {
                v += lower[row + j] * eps[j];
            }
            out[d] = (float) v;
        }
    }
}
