package dev.kvlens.inference.quality;

import dev.kvlens.inference.model.ModelConfig;

/** Compares a lane's step with the full-cache reference's step. */
public final class QualityMeter {

    private QualityMeter() {
    }

    /**
     * The reference's next-token distribution at one step, computed once and shared by every lane
     * measured against it.
     *
     * @param logProbs log-softmax of the full cache's logits
     * @param top1     the full cache's most likely token
     */
    public record Reference(double[] logProbs, int top1) {
    }

    public static Reference reference(float[] fullLogits) {
        return new Reference(Distributions.logSoftmax(fullLogits), Distributions.argmax(fullLogits));
    }

    /**
     * @param fullLogits     the reference's logits after the token at {@code position}
     * @param laneLogits     the lane's logits after the same token
     * @param nextToken      the token that actually comes next (teacher-forced), or -1
     * @param fullAttention  the reference's attention at this step, or null
     * @param laneAttention  the lane's attention at this step, or null
     */
    public static StepQuality measure(ModelConfig config, int position, float[] fullLogits, float[] laneLogits,
                                      int nextToken, StepAttention fullAttention, StepAttention laneAttention) {
        return measure(config, position, reference(fullLogits), laneLogits, nextToken, fullAttention, laneAttention);
    }

    /** As above, with the reference's distribution already computed (one log-softmax per lane, not three). */
    public static StepQuality measure(ModelConfig config, int position, Reference full, float[] laneLogits,
                                      int nextToken, StepAttention fullAttention, StepAttention laneAttention) {
        if (full.logProbs().length != laneLogits.length) {
            throw new IllegalArgumentException("vocabularies differ: " + full.logProbs().length + " vs "
                    + laneLogits.length);
        }
        double[] lane = Distributions.logSoftmax(laneLogits);
        double kl = Distributions.klDivergence(full.logProbs(), lane);
        boolean agree = full.top1() == Distributions.argmax(laneLogits);
        double nll = nextToken >= 0 ? -lane[nextToken] : Double.NaN;
        double mass = Double.NaN;
        double[] errors = null;
        if (fullAttention != null && laneAttention != null && fullAttention.complete() && laneAttention.complete()) {
            mass = massKept(config, fullAttention, laneAttention);
            errors = new double[config.layers()];
            for (int l = 0; l < config.layers(); l++) {
                errors[l] = relativeError(fullAttention.output(l), laneAttention.output(l));
            }
        }
        return new StepQuality(position, kl, agree, nll, mass, errors);
    }

    /** Mean over (layer, head) of the full attention mass on positions the lane's head still reads. */
    static double massKept(ModelConfig config, StepAttention full, StepAttention lane) {
        double total = 0;
        for (int l = 0; l < config.layers(); l++) {
            for (int h = 0; h < config.heads(); h++) {
                float[] w = full.weights(l, h);
                int[] fullPos = full.positions(l, h);
                int[] kept = lane.positions(l, h);
                double mass = 0;
                int k = 0;
                for (int i = 0; i < fullPos.length; i++) {
                    while (k < kept.length && kept[k] < fullPos[i]) {
                        k++;
                    }
                    if (k < kept.length && kept[k] == fullPos[i]) {
                        mass += w[i];
                    }
                }
                total += mass;
            }
        }
        return total / (config.layers() * config.heads());
    }

    static double relativeError(float[] reference, float[] actual) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < reference.length; i++) {
            double d = (double) actual[i] - reference[i];
            diff += d * d;
            norm += (double) reference[i] * reference[i];
        }
        return norm == 0 ? (diff == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(diff / norm);
    }
}
