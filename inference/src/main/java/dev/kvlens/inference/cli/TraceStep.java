package dev.kvlens.inference.cli;

/**
 * One line of a {@code run --trace}: the prediction of one token by the policy lane, measured
 * against the full-cache lane that ran the same tokens.
 *
 * @param type        always "step"
 * @param position    position of the token predicted (the prompt fills 0..n-1, so the first step is n)
 * @param token       the token that came next (sampled from the lane, or teacher-forced)
 * @param text        its piece, for display
 * @param kl          KL(full || lane) of the next-token distributions, nats
 * @param top1        whether both lanes' most likely tokens agree
 * @param nll         −log p_lane(token), nats
 * @param massKept    share of the full lane's attention (mean over layers and heads) on entries the
 *                    lane still holds
 * @param outputError mean over layers of ||o_lane − o_full|| / ||o_full|| of the attention output
 * @param bytes       bytes the lane's cache holds at this step: after the pass that made the prediction
 *                    and the policy's decisions that followed it (the first prediction comes from the
 *                    prompt's pass, which ran before the policy compressed); stores' spare capacity
 *                    is counted, since it is held
 * @param fullBytes   bytes the full cache holds at the same moment
 */
record TraceStep(String type, int position, int token, String text, Double kl, boolean top1, Double nll,
                 Double massKept, Double outputError, long bytes, long fullBytes) {

    TraceStep(int position, int token, String text, double kl, boolean top1, double nll, double massKept,
              double outputError, long bytes, long fullBytes) {
        this("step", position, token, text, finite(kl), top1, finite(nll), finite(massKept), finite(outputError),
                bytes, fullBytes);
    }

    /** JSON has no NaN: a figure that could not be measured is null. */
    static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }
}
