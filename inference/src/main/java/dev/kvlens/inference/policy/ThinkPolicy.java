package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.ChannelPrunedHeadStore;
import dev.kvlens.inference.cache.DenseHeadStore;
import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.ModelConfig;
import java.util.List;

/**
 * ThinK (POLICIES.md 9): at the end of prefill, after token eviction (compose it: {@code snapkv+think},
 * {@code h2o+think}), each KV head drops the {@code floor(λ·d)} key channels that matter least to the
 * prompt's last queries. Channel score, per KV head as kvpress does it (query energy averaged over
 * the group): {@code score[c] = sqrt(mean_h ||Q_obs^h[:,c]||²) · ||K[:,c]||}, with {@code Q_obs^h} the last
 * {@code observe} post-RoPE prompt queries of query head h and K every key kept after eviction; for a
 * group of one this is the paper's {@code ||Q_obs[:,c]|| · ||K[:,c]||}, and it ranks channels as
 * kvpress's {@code mean(Q²)·mean(K²)} does. The lowest-scored channels are pruned (equal scores: the
 * lower channel index is kept). The last {@code recent} entries keep every channel, and so does every
 * token generated afterwards (no decode-time pruning, as in the paper). Older entries are stored with
 * only the kept channels ({@link ChannelPrunedHeadStore}): memory is really freed.
 * <p>
 * Query-head masks (the official code's GQA handling) are not offered. Refused with StreamingLLM's
 * in-cache position modes (a)/(c) — pruned keys lose RoPE channel pairs and cannot be re-rotated — and
 * with kivi (both change how entries are stored).
 */
public final class ThinkPolicy implements KvPolicy, CompositionRule {

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("think", "ThinK",
            "ThinK, arXiv 2407.21018",
            "Prunes the key channels least used by the prompt's last queries from older entries (recent ones stay "
                    + "whole); runs after token eviction, e.g. snapkv+think.",
            false, false, List.of(
                    PolicyOption.number("ratio", "0.4",
                            "λ: fraction of key channels pruned, floor(λ·d) per KV head (ThinK pruning_ratio 0.4)"),
                    PolicyOption.number("recent", "32",
                            "r: the last r prompt entries keep every channel (ThinK recent_size 32)"),
                    PolicyOption.number("observe", "32",
                            "number of last prompt queries (after RoPE) that score the channels (ThinK: 32)")));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new ThinkPolicy(options);
        }
    };

    private final PolicyOptions options;
    private final double ratio;
    private final int recent;
    private final int observe;
    private RecentQueryCollector collector;

    private ThinkPolicy(PolicyOptions options) {
        this.options = options;
        this.ratio = options.number("ratio");
        this.recent = options.integer("recent");
        this.observe = options.integer("observe");
        if (!(ratio >= 0 && ratio < 1)) {
            throw new IllegalArgumentException("option think:ratio must be in [0, 1), got " + ratio);
        }
        if (recent < 0) {
            throw new IllegalArgumentException("option think:recent must not be negative, got " + recent);
        }
        if (observe < 1) {
            throw new IllegalArgumentException("option think:observe must be at least 1, got " + observe);
        }
    }

    @Override
    public PolicyDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public PolicyOptions options() {
        return options;
    }

    /** ThinK keeps every entry; a composition's eviction part holds the budget. */
    @Override
    public Budget budget() {
        return Budget.UNLIMITED;
    }

    @Override
    public void checkComposition(List<KvPolicy> parts) {
        for (KvPolicy p : parts) {
            if (CompositionRule.rotatesCachedKeys(p)) {
                throw new IllegalArgumentException("think cannot run with StreamingLLM's in-cache position modes (a, c): "
                        + "pruned keys lose their RoPE channel pairs and can no longer be re-rotated; use its "
                        + "position-preserving mode (b)");
            }
            if (p.descriptor().id().equals("kivi")) {
                throw new IllegalArgumentException("think and kivi cannot be composed: both change how entries are "
                        + "stored (pruned channels, quantised codes)");
            }
        }
    }

    @Override
    public AttentionListener beginPrefill(PolicyContext context, int promptLength) {
        ModelConfig c = context.config();
        collector = new RecentQueryCollector(c.layers(), c.heads(), c.headDim(), promptLength, observe);
        return collector;
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        RecentQueryCollector queries = collector;
        collector = null;
        if (queries == null) {
            throw new IllegalStateException("think: endPrefill without beginPrefill");
        }
        ModelConfig c = context.config();
        int d = c.headDim();
        int pruneCount = (int) Math.floor(ratio * d);
        if (pruneCount == 0) {
            return;
        }
        int group = c.heads() / c.kvHeads();
        float[][] groupQueries = new float[group][];
        for (int l = 0; l < c.layers(); l++) {
            for (int g = 0; g < c.kvHeads(); g++) {
                KvHeadStore store = editor.store(l, g);
                if (!(store instanceof DenseHeadStore dense)) {
                    throw new IllegalStateException("think prunes full-precision keys, but layer " + l + ", KV head " + g
                            + " holds a " + store.getClass().getSimpleName()
                            + "; put think right after the token-eviction policy");
                }
                int pruned = dense.size() - recent;
                if (pruned <= 0) {
                    continue; // every entry is recent: nothing to prune
                }
                for (int h = 0; h < group; h++) {
                    groupQueries[h] = queries.queries(l, g * group + h);
                }
                float[] score = channelScores(groupQueries, queries.rows(), dense);
                int[] kept = Ranking.top(score, null, d - pruneCount);
                editor.replace(l, g, new ChannelPrunedHeadStore(dense, kept, pruned));
            }
        }
    }

    /**
     * {@code score[c] = sqrt(mean_h sum_i Q^h[i][c]²) · sqrt(sum_j K[j][c]²)} over the group's query
     * heads {@code queries[h]} ({@code rows} rows of d each) and every key of {@code keys}.
     */
    static float[] channelScores(float[][] queries, int rows, KvHeadStore keys) {
        int d = keys.headDim();
        double[] queryEnergy = new double[d];
        for (float[] q : queries) {
            for (int i = 0; i < rows; i++) {
                for (int ch = 0; ch < d; ch++) {
                    double v = q[i * d + ch];
                    queryEnergy[ch] += v * v;
                }
            }
        }
        double[] keyEnergy = new double[d];
        float[] key = new float[d];
        for (int j = 0; j < keys.size(); j++) {
            keys.readKey(j, key, 0);
            for (int ch = 0; ch < d; ch++) {
                keyEnergy[ch] += (double) key[ch] * key[ch];
            }
        }
        float[] score = new float[d];
        for (int ch = 0; ch < d; ch++) {
            score[ch] = (float) (Math.sqrt(queryEnergy[ch] / queries.length) * Math.sqrt(keyEnergy[ch]));
        }
        return score;
    }
}
