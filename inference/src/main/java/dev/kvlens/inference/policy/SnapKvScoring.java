package dev.kvlens.inference.policy;

import java.util.List;

/**
 * The SnapKV score shared by SnapKV, PyramidKV, AdaKV, KV-Compress and ZigZagKV (POLICIES.md 5 and
 * 0.5): window attention per query head, reduced over the KV group, pooled over the prefix
 * {@code j < n - w} only, then the top {@code keep} prefix entries plus the window are kept.
 *
 * @param window    w, the observation window (also the protected recent entries)
 * @param kernel    odd pooling kernel
 * @param pooling   max (KV Lens default, the paper's runs) or avg
 * @param reduction how the G query heads of a KV head combine
 * @param order     reduce-then-pool (AdaKV / KVCache-Factory "kv_head", default) or pool-then-reduce (kvpress)
 */
public record SnapKvScoring(int window, int kernel, Pooling pooling, GroupReduction reduction, GroupOrder order) {

    /** Where the group reduction happens relative to pooling (POLICIES.md 5, GQA variants 3 and 2). */
    public enum GroupOrder {
        /** Variant 3: reduce over the group, then pool. */
        KV_HEAD,
        /** Variant 2: pool each query head, then reduce. */
        KVPRESS;

        static GroupOrder parse(String text) {
            return switch (text) {
                case "kv-head" -> KV_HEAD;
                case "kvpress" -> KVPRESS;
                default -> throw new IllegalArgumentException("gqa-variant must be kv-head or kvpress, got '" + text + "'");
            };
        }
    }

    public SnapKvScoring {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1, got " + window);
        }
        if (kernel < 1 || kernel % 2 == 0) {
            throw new IllegalArgumentException("pooling kernel must be odd and positive, got " + kernel);
        }
    }

    /** The options every observation-window policy declares, with KV Lens defaults (POLICIES.md 0.5). */
    public static List<PolicyOption> declaredOptions() {
        return List.of(
                PolicyOption.number("window", "32", "observation window w: last prompt queries used for scoring, "
                        + "also always kept (POLICIES.md 0.5; SnapKV LongBench configs)"),
                PolicyOption.number("kernel", "7", "pooling kernel (odd) over the prefix scores"),
                PolicyOption.choice("pooling", "max", List.of("max", "avg", "none"),
                        "max = the paper's runs (KV Lens default); avg = code defaults"),
                PolicyOption.choice("gqa", "mean", List.of("mean", "max", "sum"),
                        "reduction over the query heads of a KV group"),
                PolicyOption.choice("gqa-variant", "kv-head", List.of("kv-head", "kvpress"),
                        "kv-head: reduce the group, then pool (AdaKV/KVCache-Factory); kvpress: pool each "
                                + "query head, then reduce"));
    }

    public static SnapKvScoring from(PolicyOptions options) {
        return new SnapKvScoring(options.integer("window"), options.integer("kernel"),
                Pooling.parse(options.string("pooling")), GroupReduction.parse(options.string("gqa")),
                GroupOrder.parse(options.string("gqa-variant")));
    }

    /**
     * Scores of prefix positions {@code 0..prefix-1} of one KV head.
     *
     * @param sums      per query head of the group, the summed window attention (index = store index)
     * @param prefix    entries before the window ({@code n - w})
     * @param rowScale  1 for the sum over window rows (SnapKV, PyramidKV), {@code 1/rows} for the mean (AdaKV)
     */
    public float[] prefixScores(double[][] sums, int prefix, double rowScale) {
        int group = sums.length;
        float[][] perHead = new float[group][prefix];
        for (int h = 0; h < group; h++) {
            for (int j = 0; j < prefix; j++) {
                perHead[h][j] = (float) (sums[h][j] * rowScale);
            }
        }
        if (order == GroupOrder.KV_HEAD) {
            return pooling.apply(reduction.reduce(perHead, 0, group), kernel);
        }
        for (int h = 0; h < group; h++) {
            perHead[h] = pooling.apply(perHead[h], kernel);
        }
        return reduction.reduce(perHead, 0, group);
    }

    /** Prefill scores of (layer, KV head) from the collector: query heads {@code kvHead*G .. kvHead*G+G-1}. */
    public float[] prefixScores(WindowAttentionCollector collector, int layer, int kvHead, int group, boolean meanOverWindow) {
        double[][] sums = new double[group][];
        for (int i = 0; i < group; i++) {
            sums[i] = collector.windowSum(layer, kvHead * group + i);
        }
        int rows = collector.windowRows();
        return prefixScores(sums, collector.windowStart(), meanOverWindow ? 1.0 / rows : 1.0);
    }

    /**
     * The store indices kept: the top {@code keepPrefix} prefix scores (ties to the lower index, which
     * is the lower position since stores are in position order) plus every entry from {@code prefix} on.
     */
    public static int[] keep(float[] prefixScores, int keepPrefix, int prefix, int size) {
        return Ranking.union(Ranking.top(prefixScores, null, keepPrefix), Ranking.range(prefix, size));
    }
}
