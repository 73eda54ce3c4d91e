package dev.kvlens.inference.sampling;

/** The most likely token; ties go to the lowest id, so results are deterministic. */
public final class GreedySampler implements Sampler {

    @Override
    public int sample(float[] logits) {
        return argmax(logits, 0, logits.length);
    }

    /** Index (relative to {@code offset}) of the largest of {@code n} values; first one on ties. */
    public static int argmax(float[] values, int offset, int n) {
        int best = 0;
        float bestValue = values[offset];
        for (int i = 1; i < n; i++) {
            if (values[offset + i] > bestValue) {
                bestValue = values[offset + i];
                best = i;
            }
        }
        return best;
    }
}
