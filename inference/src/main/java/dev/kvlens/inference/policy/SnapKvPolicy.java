package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.ModelConfig;
import java.util.List;

/**
 * SnapKV (POLICIES.md 5, KV Lens defaults 0.5): once, at the end of prefill, every (layer, KV head)
 * keeps the {@code B - w} prefix entries that the last {@code w} prompt queries attended to most
 * (summed over the window, mean over the KV group, max-pooled with kernel 7 over the prefix) plus
 * the window itself. Generated tokens are appended uncompressed unless {@code decode=recompress}.
 */
public final class SnapKvPolicy extends ObservationWindowPolicy {

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("snapkv", "SnapKV",
            "SnapKV, arXiv 2404.14469",
            "Keeps the prefix entries the observation window (last w prompt queries) attends to most, "
                    + "smoothed by pooling, plus the window; once, after prefill.",
            false, false, declaredOptions(List.of()));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new SnapKvPolicy(budget, options);
        }
    };

    private SnapKvPolicy(Budget budget, PolicyOptions options) {
        super(budget, options);
    }

    @Override
    public PolicyDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    protected void compress(ModelConfig c, CacheEditor editor, WindowAttentionCollector collector, int n, int budget,
                            int[][] targets) {
        int prefix = collector.windowStart();
        for (int l = 0; l < c.layers(); l++) {
            for (int g = 0; g < c.kvHeads(); g++) {
                float[] scores = scoring.prefixScores(collector, l, g, c.groupSize(), false);
                editor.retain(l, g, SnapKvScoring.keep(scores, budget - scoring.window(), prefix, n), budget);
            }
        }
    }
}
