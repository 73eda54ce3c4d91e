package dev.kvlens.inference.sampling;

/** Picks the next token from a vector of logits. */
public interface Sampler {

    /** The chosen token id; {@code logits} may be modified. */
    int sample(float[] logits);

    /** Greedy when {@code temperature <= 0}, otherwise seeded sampling with top-k and top-p. */
    static Sampler of(SamplingSettings settings) {
        return settings.temperature() <= 0 ? new GreedySampler() : new StochasticSampler(settings);
    }
}
