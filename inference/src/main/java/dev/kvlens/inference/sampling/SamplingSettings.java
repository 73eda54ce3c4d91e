package dev.kvlens.inference.sampling;

/**
 * How to choose tokens.
 *
 * @param temperature 0 for greedy; otherwise logits are divided by it
 * @param topK        keep only the k most likely tokens (0 = all)
 * @param topP        keep the smallest set whose probability reaches p (1 = all)
 * @param seed        seed of the random generator, so a run can be repeated exactly
 */
public record SamplingSettings(float temperature, int topK, float topP, long seed) {

    public static final SamplingSettings GREEDY = new SamplingSettings(0f, 0, 1f, 0);

    public SamplingSettings {
        if (Float.isNaN(temperature) || temperature < 0) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        }
        if (Float.isNaN(topP) || topP <= 0 || topP > 1) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
    }
}
