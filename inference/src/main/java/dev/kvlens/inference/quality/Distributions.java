package dev.kvlens.inference.quality;

/** Next-token distribution measures, computed in double from logits. */
public final class Distributions {

    private Distributions() {
    }

    /** log-softmax of {@code logits}. */
    public static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double logZ = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] - logZ;
        }
        return out;
    }

    /** KL(p || q) in nats, where p and q are given as logits. */
    public static double klDivergence(float[] pLogits, float[] qLogits) {
        if (pLogits.length != qLogits.length) {
            throw new IllegalArgumentException("vocabularies differ: " + pLogits.length + " vs " + qLogits.length);
        }
        return klDivergence(logSoftmax(pLogits), logSoftmax(qLogits));
    }

    /** KL(p || q) in nats, where p and q are given as log-probabilities. */
    public static double klDivergence(double[] lp, double[] lq) {
        double kl = 0;
        for (int i = 0; i < lp.length; i++) {
            double p = Math.exp(lp[i]);
            if (p > 0) {
                kl += p * (lp[i] - lq[i]);
            }
        }
        return Math.max(0, kl);
    }

    /** Negative log-likelihood (nats) of {@code token} under the distribution of {@code logits}. */
    public static double nll(float[] logits, int token) {
        return -logSoftmax(logits)[token];
    }

    /** The most likely token; ties to the lowest id. */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
