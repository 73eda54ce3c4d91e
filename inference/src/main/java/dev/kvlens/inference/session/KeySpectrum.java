package dev.kvlens.inference.session;

import dev.kvlens.kernels.linalg.SingularValues;

/**
 * The singular values of one (layer, KV head)'s cached keys, the {@code entries x headDim} matrix as
 * held (not centred): ThinK's observation (arXiv 2407.21018) that this matrix is close to low rank, so
 * a few directions carry most of its energy. Computed with LAPACK through ND4J ({@link #of}); ND4J
 * loads on the first call, so call it off the JavaFX thread.
 *
 * @param lane           lane index
 * @param position       position of the last token the lane had read
 * @param layer          layer
 * @param kvHead         KV head
 * @param entries        rows of the matrix (entries held)
 * @param headDim        columns
 * @param singularValues {@code min(entries, headDim)} values, largest first
 */
public record KeySpectrum(int lane, int position, int layer, int kvHead, int entries, int headDim,
                          double[] singularValues) {

    /** The spectrum of {@code keys}. */
    public static KeySpectrum of(HeadKeys keys) {
        float[] k = keys.keys();
        double[] a = new double[k.length];
        for (int i = 0; i < k.length; i++) {
            a[i] = k[i];
        }
        return new KeySpectrum(keys.lane(), keys.position(), keys.layer(), keys.kvHead(), keys.entries(),
                keys.headDim(), SingularValues.of(a, keys.entries(), keys.headDim()));
    }

    /** Each value over the largest (1, then at most 1); all zeros when the matrix is zero. */
    public double[] normalised() {
        double[] n = new double[singularValues.length];
        double top = singularValues.length == 0 ? 0 : singularValues[0];
        if (top > 0) {
            for (int i = 0; i < n.length; i++) {
                n[i] = singularValues[i] / top;
            }
        }
        return n;
    }

    /**
     * Share of the squared Frobenius norm ({@code sum sigma_i^2}) in the {@code r} largest values: the
     * fraction of the keys' energy a rank-{@code r} approximation keeps. 0 for a zero matrix.
     */
    public double energyCaptured(int r) {
        double total = 0;
        double top = 0;
        for (int i = 0; i < singularValues.length; i++) {
            double e = singularValues[i] * singularValues[i];
            total += e;
            if (i < r) {
                top += e;
            }
        }
        return total > 0 ? top / total : 0;
    }

    /** The smallest rank whose energy reaches {@code fraction} (0 for a zero matrix). */
    public int rankFor(double fraction) {
        for (int r = 1; r <= singularValues.length; r++) {
            if (energyCaptured(r) >= fraction - 1e-12) {
                return r;
            }
        }
        return energyCaptured(singularValues.length) > 0 ? singularValues.length : 0;
    }

    /**
     * Effective rank (Roy and Vetterli 2007): {@code exp(-sum p_i ln p_i)} with {@code p_i = sigma_i /
     * sum sigma}; 1 for a rank-one matrix, k for k equal values; 0 for a zero matrix.
     */
    public double effectiveRank() {
        double sum = 0;
        for (double s : singularValues) {
            sum += s;
        }
        if (!(sum > 0)) {
            return 0;
        }
        double entropy = 0;
        for (double s : singularValues) {
            if (s > 0) {
                double p = s / sum;
                entropy -= p * Math.log(p);
            }
        }
        return Math.exp(entropy);
    }
}
