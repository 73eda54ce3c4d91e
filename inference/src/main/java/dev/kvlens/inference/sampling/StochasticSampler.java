package dev.kvlens.inference.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Temperature sampling after top-k and top-p (nucleus) filtering, in llama.cpp's order: top-k,
 * top-p, then temperature. Candidates are sorted by logit with ids breaking ties, and the random
 * source is seeded, so the same settings and logits give the same tokens.
 */
public final class StochasticSampler implements Sampler {

    private final SamplingSettings settings;
    private final SplittableRandom random;

    public StochasticSampler(SamplingSettings settings) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
    }

    @Override
    public int sample(float[] logits) {
        int n = logits.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        int keep = settings.topK() > 0 ? Math.min(settings.topK(), n) : n;

        // Probabilities at temperature 1 decide the nucleus (as llama.cpp's top-p does before temp).
        double max = logits[order[0]];
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp(logits[order[i]] - max);
            sum += p[i];
        }
        if (settings.topP() < 1f) {
            double cumulative = 0;
            for (int i = 0; i < keep; i++) {
                cumulative += p[i] / sum;
                if (cumulative >= settings.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }

        double t = settings.temperature();
        double total = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp((logits[order[i]] - max) / t);
            total += p[i];
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            r -= p[i];
            if (r < 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }
}
