package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.ModelConfig;
import java.util.List;

/**
 * KV-Compress-like (POLICIES.md 15.2, first version): SnapKV scores (mean over the window, so every
 * layer and head compares on one scale), ranked across ALL layers and KV heads of the sequence;
 * the globally lowest prefix entries are evicted until the cache holds {@code L * Hkv * B}, and
 * each head's eviction count is rounded DOWN to whole blocks of {@code block} entries, as the
 * paper's paged cache frees memory only by whole per-head blocks. The window is kept. The exact
 * metric and rounding are our first-version reading of the paper's summary, hence "-like".
 */
public final class KvCompressPolicy extends ObservationWindowPolicy {

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("kvcompress", "KV-Compress-like",
            "KV-Compress, arXiv 2410.00161",
            "Head- and layer-adaptive eviction: the lowest SnapKV scores of the whole cache go first, in whole "
                    + "blocks per head; the window is kept; once, after prefill.",
            true, false, declaredOptions(List.of(
                    PolicyOption.number("block", "16", "entries per cache block: each head evicts whole blocks"))));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new KvCompressPolicy(budget, options);
        }
    };

    private final int block;

    private KvCompressPolicy(Budget budget, PolicyOptions options) {
        super(budget, options);
        this.block = options.integer("block");
        if (block < 1) {
            throw new IllegalArgumentException("option kvcompress:block must be at least 1, got " + block);
        }
    }

    @Override
    public PolicyDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    protected void compress(ModelConfig c, CacheEditor editor, WindowAttentionCollector collector, int n, int budget,
                            int[][] targets) {
        int prefix = collector.windowStart();
        int heads = c.layers() * c.kvHeads();
        float[][] scores = new float[heads][];
        float[] flat = new float[Math.multiplyExact(heads, prefix)];
        int[] tieKey = new int[flat.length];
        for (int l = 0; l < c.layers(); l++) {
            for (int g = 0; g < c.kvHeads(); g++) {
                int h = l * c.kvHeads() + g;
                scores[h] = scoring.prefixScores(collector, l, g, c.groupSize(), true);
                for (int j = 0; j < prefix; j++) {
                    // Negated so that Ranking's "best first" lists the eviction order, lowest score first;
                    // ties evict the higher position, i.e. keep the lower one as everywhere else.
                    flat[h * prefix + j] = -scores[h][j];
                    tieKey[h * prefix + j] = -(h * prefix + j);
                }
            }
        }
        long evictTotal = (long) heads * (n - budget);
        int[] order = Ranking.order(flat, tieKey);
        int[] evicted = new int[heads];
        for (int i = 0; i < evictTotal; i++) {
            evicted[order[i] / prefix]++;
        }
        for (int l = 0; l < c.layers(); l++) {
            for (int g = 0; g < c.kvHeads(); g++) {
                int h = l * c.kvHeads() + g;
                int keepPrefix = prefix - (evicted[h] / block) * block;
                int kept = keepPrefix + scoring.window();
                editor.retain(l, g, SnapKvScoring.keep(scores[h], keepPrefix, prefix, n), kept);
                targets[l][g] = kept;
            }
        }
    }
}
