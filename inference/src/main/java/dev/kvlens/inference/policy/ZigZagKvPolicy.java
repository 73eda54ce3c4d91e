package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.ModelConfig;
import java.util.Arrays;
import java.util.List;

/**
 * ZigZagKV-like (POLICIES.md 15.3, first version): each layer's "uncertainty" is the least number
 * of entries that hold {@code mass} (0.9, recalled) of its window attention (the mean window row
 * of each query head, sorted descending and accumulated), averaged over the query heads (LMBA).
 * The selectable total {@code L * (B - w)} per KV head is split across layers in proportion to it,
 * every layer first getting {@code floor(min-share * (B - w))}; inside a layer, tokens are chosen as
 * SnapKV does and the window is kept. The threshold and the floor are not from the paper, hence "-like".
 */
public final class ZigZagKvPolicy extends ObservationWindowPolicy {

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("zigzagkv", "ZigZagKV-like",
            "ZigZagKV, arXiv 2412.09036",
            "Layer budgets in proportion to how many entries each layer needs to keep 90% of its window "
                    + "attention; SnapKV selection inside a layer; once, after prefill.",
            true, false, declaredOptions(List.of(
                    PolicyOption.number("mass", "0.9", "attention mass a layer must retain (recalled threshold)"),
                    PolicyOption.number("min-share", "0.2",
                            "every layer's floor, as a share of B - w (our choice for the paper's lower bound)"))));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new ZigZagKvPolicy(budget, options);
        }
    };

    private final double mass;
    private final double minShare;

    private ZigZagKvPolicy(Budget budget, PolicyOptions options) {
        super(budget, options);
        this.mass = options.number("mass");
        this.minShare = options.number("min-share");
        if (!(mass > 0 && mass <= 1)) {
            throw new IllegalArgumentException("option zigzagkv:mass must be in (0, 1], got " + mass);
        }
        if (!(minShare >= 0 && minShare <= 1)) {
            throw new IllegalArgumentException("option zigzagkv:min-share must be in [0, 1], got " + minShare);
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
        double[] uncertainty = new double[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            uncertainty[l] = layerUncertainty(collector, l, c.heads(), mass);
        }
        int[] selected = allocate(uncertainty, budget - w, prefix, minShare);
        for (int l = 0; l < c.layers(); l++) {
            for (int g = 0; g < c.kvHeads(); g++) {
                float[] scores = scoring.prefixScores(collector, l, g, c.groupSize(), false);
                editor.retain(l, g, SnapKvScoring.keep(scores, selected[l], prefix, n), selected[l] + w);
                targets[l][g] = selected[l] + w;
            }
        }
    }

    /** Mean over query heads of the fewest entries whose mean window attention reaches {@code mass}. */
    static double layerUncertainty(WindowAttentionCollector collector, int layer, int heads, double mass) {
        double total = 0;
        for (int h = 0; h < heads; h++) {
            double[] sum = collector.windowSum(layer, h).clone();
            double all = 0;
            for (double s : sum) {
                all += s;
            }
            Arrays.sort(sum);
            double acc = 0;
            int count = 0;
            for (int i = sum.length - 1; i >= 0 && acc < mass * all; i--) {
                acc += sum[i];
                count++;
            }
            total += count;
        }
        return total / heads;
    }

    /**
     * Selected prefix entries per layer: a floor of {@code floor(minShare * base)} each, the rest of
     * {@code L * base} in proportion to {@code weight} (largest remainder, lower layer on ties),
     * never more than the prefix holds.
     */
    static int[] allocate(double[] weight, int base, int prefix, double minShare) {
        int layers = weight.length;
        int floorEach = (int) Math.floor(minShare * base);
        long rest = (long) layers * base - (long) layers * floorEach;
        double sumWeight = 0;
        for (double u : weight) {
            sumWeight += u;
        }
        int[] out = new int[layers];
        float[] remainder = new float[layers];
        long given = 0;
        for (int l = 0; l < layers; l++) {
            double share = sumWeight > 0 ? rest * weight[l] / sumWeight : (double) rest / layers;
            out[l] = floorEach + (int) Math.floor(share);
            remainder[l] = (float) (share - Math.floor(share));
            given += (int) Math.floor(share);
        }
        int[] order = Ranking.order(remainder, null);
        for (int i = 0; given < rest; i++, given++) {
            out[order[i % layers]]++;
        }
        for (int l = 0; l < layers; l++) {
            out[l] = Math.min(prefix, out[l]);
        }
        return out;
    }
}
