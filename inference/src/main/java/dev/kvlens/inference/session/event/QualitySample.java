package dev.kvlens.inference.session.event;

/**
 * A lane's quality at one step against the full-cache reference on the same tokens.
 *
 * @param lane              lane index
 * @param step              position
 * @param klToFull          KL(full || lane), nats
 * @param top1Agrees        same most likely next token as the full cache
 * @param nll               NLL of the actual next token (NaN when unknown)
 * @param attentionMassKept share of the full cache's attention on entries the lane holds
 * @param outputError       mean over layers of the relative attention-output error
 */
public record QualitySample(int lane, int step, double klToFull, boolean top1Agrees, double nll,
                            double attentionMassKept, double outputError) implements SessionEvent {
}
