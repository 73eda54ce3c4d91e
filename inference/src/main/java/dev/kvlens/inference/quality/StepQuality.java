package dev.kvlens.inference.quality;

/**
 * How a lane did on one step, measured against the full-cache reference on the same tokens.
 *
 * @param position          position of the token whose next-token distribution is compared
 * @param klToFull          KL(full || lane) of the next-token distributions, nats
 * @param top1Agrees        whether both pick the same most likely token
 * @param nll               negative log-likelihood (nats) of the actual next token under the lane,
 *                          NaN when the next token is not known yet
 * @param attentionMassKept share of the full cache's attention (mean over layers and heads) that
 *                          falls on positions the lane still holds, NaN when not captured
 * @param outputError       per layer: ||o_lane − o_full|| / ||o_full|| of the attention output,
 *                          or null when not captured
 */
public record StepQuality(int position, double klToFull, boolean top1Agrees, double nll, double attentionMassKept,
                          double[] outputError) {

    /** Mean of {@link #outputError} over layers, NaN when not captured. */
    public double meanOutputError() {
        if (outputError == null || outputError.length == 0) {
            return Double.NaN;
        }
        double s = 0;
        for (double e : outputError) {
            s += e;
        }
        return s / outputError.length;
    }
}
