package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.ModelConfig;
import java.util.List;

/**
 * PyramidKV (POLICIES.md 6): SnapKV's token selection with per-layer budgets that shrink linearly
 * from the lowest to the highest layer ({@code beta = 20}, KVCache-Factory's integer schedule by
 * default), keeping about the same total as SnapKV at budget {@code B}.
 */
public final class PyramidKvPolicy extends ObservationWindowPolicy {

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("pyramidkv", "PyramidKV",
            "PyramidKV, arXiv 2406.02069",
            "SnapKV selection with more entries in lower layers and fewer in upper layers (arithmetic "
                    + "progression, beta = 20); once, after prefill.",
            false, false, declaredOptions(List.of(
                    PolicyOption.number("beta", "20", "largest / smallest selected share of the pyramid"),
                    PolicyOption.choice("schedule", "factory-int", List.of("factory-int", "kvpress-float"),
                            "factory-int: KVCache-Factory integer schedule (default); kvpress-float: kvpress's"))));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new PyramidKvPolicy(budget, options);
        }
    };

    private final double beta;
    private final PyramidSchedule schedule;

    private PyramidKvPolicy(Budget budget, PolicyOptions options) {
        super(budget, options);
        this.beta = options.number("beta");
        this.schedule = PyramidSchedule.parse(options.string("schedule"));
        if (beta < 1) {
            throw new IllegalArgumentException("option pyramidkv:beta must be at least 1, got " + beta);
        }
    }

    @Override
    public PolicyDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    protected void compress(ModelConfig c, CacheEditor editor, WindowAttentionCollector collector, int n, int budget,
                            int[][] targets) {
        int w = scoring.window();
        int prefix = collector.windowStart();
        int[] kept = schedule.kept(n, budget, w, c.layers(), beta);
        for (int l = 0; l < c.layers(); l++) {
            int keepPrefix = Math.min(prefix, Math.max(0, kept[l] - w));
            for (int g = 0; g < c.kvHeads(); g++) {
                float[] scores = scoring.prefixScores(collector, l, g, c.groupSize(), false);
                editor.retain(l, g, SnapKvScoring.keep(scores, keepPrefix, prefix, n), kept[l]);
                targets[l][g] = keepPrefix + w;
            }
        }
    }
}
