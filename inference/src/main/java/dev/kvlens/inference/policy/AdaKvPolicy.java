package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.ModelConfig;
import java.util.List;

/**
 * AdaKV (POLICIES.md 7, official GQA-aware path): per layer, the {@code Hkv * B'} best SnapKV
 * scores ({@code B' = B - w}, scores with the MEAN over the window so heads compare on one scale)
 * are chosen jointly across KV heads; head {@code g} got {@code c[g]} of them and keeps
 * {@code round(c[g] (1 - alpha) + floor(alpha B'))} of its own best prefix entries plus the window.
 * Equal scores go to the lower head, then the lower position (POLICIES.md 0.5).
 */
public final class AdaKvPolicy extends ObservationWindowPolicy {

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("adakv", "AdaKV",
            "Ada-KV, arXiv 2407.11550",
            "Head-adaptive budgets: the layer's best SnapKV scores are chosen across all KV heads at once, "
                    + "with a floor share alpha per head; the window is kept; once, after prefill.",
            false, false, declaredOptions(List.of(
                    PolicyOption.number("alpha", "0.2", "floor share alpha (AdaKV LongBench driver, kvpress)"),
                    PolicyOption.choice("normalize", "off", List.of("off", "on"),
                            "scale each head's scores by (sum of its top B') / (sum of all) before the joint "
                                    + "ranking (KVCache-Factory default on; official helper and KV Lens off)"),
                    PolicyOption.number("skip", "0", "layers below this index get the uniform B' (no adaptation)"),
                    PolicyOption.choice("rounding", "faithful", List.of("faithful", "largest-remainder"),
                            "faithful: round each head (total may differ by Hkv/2); largest-remainder: "
                                    + "non-paper, totals exactly Hkv*B'"),
                    PolicyOption.choice("base", "snapkv", List.of("snapkv", "pyramid"),
                            "snapkv: B' = B - w in every layer; pyramid: B' from PyramidKV's schedule (Ada-Pyramid)"),
                    PolicyOption.number("beta", "20", "pyramid beta when base=pyramid"),
                    PolicyOption.choice("schedule", "factory-int", List.of("factory-int", "kvpress-float"),
                            "pyramid schedule when base=pyramid"))));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new AdaKvPolicy(budget, options);
        }
    };

    private final double alpha;
    private final boolean normalize;
    private final int skip;
    private final boolean largestRemainder;
    private final boolean pyramid;
    private final double beta;
    private final PyramidSchedule schedule;

    private AdaKvPolicy(Budget budget, PolicyOptions options) {
        super(budget, options);
        this.alpha = options.number("alpha");
        this.normalize = options.flag("normalize");
        this.skip = options.integer("skip");
        this.largestRemainder = options.string("rounding").equals("largest-remainder");
        this.pyramid = options.string("base").equals("pyramid");
        this.beta = options.number("beta");
        this.schedule = PyramidSchedule.parse(options.string("schedule"));
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("option adakv:alpha must be in [0, 1], got " + alpha);
        }
        if (skip < 0) {
            throw new IllegalArgumentException("option adakv:skip must not be negative, got " + skip);
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
        int kvHeads = c.kvHeads();
        int[] perLayer = pyramid ? schedule.kept(n, budget, w, c.layers(), beta) : null;
        for (int l = 0; l < c.layers(); l++) {
            int selected = Math.min(prefix, pyramid ? Math.max(0, perLayer[l] - w) : budget - w);
            float[][] scores = new float[kvHeads][];
            for (int g = 0; g < kvHeads; g++) {
                scores[g] = scoring.prefixScores(collector, l, g, c.groupSize(), true);
            }
            int[] counts = l < skip ? uniform(kvHeads, selected) : allocate(scores, selected);
            for (int g = 0; g < kvHeads; g++) {
                editor.retain(l, g, SnapKvScoring.keep(scores[g], counts[g], prefix, n), counts[g] + w);
                targets[l][g] = counts[g] + w;
            }
        }
    }

    private static int[] uniform(int kvHeads, int selected) {
        int[] counts = new int[kvHeads];
        java.util.Arrays.fill(counts, selected);
        return counts;
    }

    /** Selected prefix entries per KV head: joint top {@code Hkv * selected}, then the alpha floor. */
    int[] allocate(float[][] scores, int selected) {
        int kvHeads = scores.length;
        int prefix = scores[0].length;
        int total = kvHeads * selected;
        float[] flat = new float[kvHeads * prefix];
        int[] tieKey = new int[flat.length];
        for (int g = 0; g < kvHeads; g++) {
            float factor = normalize ? normalization(scores[g], selected) : 1f;
            for (int j = 0; j < prefix; j++) {
                flat[g * prefix + j] = scores[g][j] * factor;
                tieKey[g * prefix + j] = g * prefix + j; // lower head first, then lower position
            }
        }
        int[] counts = new int[kvHeads];
        for (int i : Ranking.top(flat, tieKey, total)) {
            counts[i / prefix]++;
        }
        double floorShare = Math.floor(alpha * selected);
        double[] mixed = new double[kvHeads];
        for (int g = 0; g < kvHeads; g++) {
            mixed[g] = counts[g] * (1 - alpha) + floorShare;
        }
        int[] out = largestRemainder ? largestRemainder(mixed, total) : rounded(mixed);
        for (int g = 0; g < kvHeads; g++) {
            out[g] = Math.min(prefix, out[g]);
        }
        return out;
    }

    /** torch.round: half to even. */
    private static int[] rounded(double[] mixed) {
        int[] out = new int[mixed.length];
        for (int g = 0; g < mixed.length; g++) {
            out[g] = (int) Math.rint(mixed[g]);
        }
        return out;
    }

    /** Floors, then the leftover units to the largest fractional parts (lower head on ties), totalling {@code total}. */
    private static int[] largestRemainder(double[] mixed, int total) {
        int[] out = new int[mixed.length];
        float[] remainder = new float[mixed.length];
        int sum = 0;
        for (int g = 0; g < mixed.length; g++) {
            out[g] = (int) Math.floor(mixed[g]);
            remainder[g] = (float) (mixed[g] - out[g]);
            sum += out[g];
        }
        int[] order = Ranking.order(remainder, null);
        // The floor share can leave up to 2*Hkv units; hand them round in remainder order.
        for (int i = 0; sum < total; i++, sum++) {
            out[order[i % order.length]]++;
        }
        return out;
    }

    /** (sum of the head's top {@code selected} scores) / (sum of all its scores), as KVCache-Factory's normalize. */
    private static float normalization(float[] scores, int selected) {
        double all = 0;
        for (float s : scores) {
            all += s;
        }
        double top = 0;
        for (int i : Ranking.top(scores, null, selected)) {
            top += scores[i];
        }
        return all > 0 ? (float) (top / all) : 1f;
    }
}
