package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import java.util.Arrays;
import java.util.List;

/**
 * SimLayerKV (POLICIES.md 10): a layer is "lazy" when its query puts more than {@code delta} of its
 * attention on the first {@code X} entries plus the last {@code W} ones; lazy layers keep only
 * those (every KV head of the layer), other layers keep everything. The budget is not an input: the
 * realised keep fraction is the result ({@link #lazyLayers()}, {@link RealisedKeepFraction}).
 * <p>
 * Variant {@code decode} (official default) decides at the first decoding step from that token's
 * attention, with the current token counted among the last {@code W}; variant {@code prefill}
 * decides at the end of prefill from the last {@code w_last} prompt rows, with the recent band
 * {@code 1 <= i - j <= R} (the official commented-out code). Nothing is compressed when the prompt
 * has {@code n <= X + W + 1} tokens (kvpress's guard against the two sums overlapping).
 * <p>
 * Trimming: {@code once} (the paper: lazy layers grow again while generating) or
 * {@code streaming} (non-paper: every step slides lazy layers back to {@code X + W}).
 * <p>
 * Default {@code delta = 0.9}, the official value for Llama-3; our test models have no official
 * value (Llama-2 0.65, Mistral 0.8, Qwen 0.85 are the other families'), so pass it as an option.
 */
public final class SimLayerKvPolicy implements KvPolicy {

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("simlayerkv", "SimLayerKV",
            "SimLayerKV, arXiv 2410.13846",
            "Finds lazy layers (attention concentrated on the first X and last W entries) and keeps only those "
                    + "entries there; other layers keep everything. The kept fraction adapts to the input.",
            false, false, List.of(
            PolicyOption.number("delta", "0.9", "laziness threshold: Llama-3 0.9 (default), Llama-2 0.65, "
                    + "Mistral 0.8, Qwen 0.85 (official pred.py); other families: calibrate"),
            PolicyOption.number("X", "4", "initial entries (attention sinks) counted and kept"),
            PolicyOption.number("W", "1024", "recent entries counted and kept"),
            PolicyOption.choice("variant", "decode", List.of("decode", "prefill"),
                    "decode: decide at the first decoding step (official default); prefill: decide from the last "
                            + "w_last prompt queries"),
            PolicyOption.number("R", "512", "prefill variant: recent band 1 <= i - j <= R (official code 512)"),
            PolicyOption.number("w_last", "32", "prefill variant: prompt rows averaged"),
            PolicyOption.choice("trim", "once", List.of("once", "streaming"),
                    "once (paper): lazy layers trimmed once and grow again; streaming (non-paper): slide them "
                            + "back to X + W every step")));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new SimLayerKvPolicy(budget, options);
        }
    };

    private final Budget budget;
    private final PolicyOptions options;
    private final double delta;
    private final int sinks;
    private final int recent;
    private final boolean decodeVariant;
    private final int band;
    private final int lastRows;
    private final boolean streaming;

    private int promptLength;
    private double[] mass;
    private int[] rows;
    private boolean[] lazy;
    private boolean decided;

    private SimLayerKvPolicy(Budget budget, PolicyOptions options) {
        this.budget = budget;
        this.options = options;
        this.delta = options.number("delta");
        this.sinks = options.integer("X");
        this.recent = options.integer("W");
        this.decodeVariant = options.string("variant").equals("decode");
        this.band = options.integer("R");
        this.lastRows = options.integer("w_last");
        this.streaming = options.string("trim").equals("streaming");
        if (sinks < 0 || recent < 1 || band < 1 || lastRows < 1) {
            throw new IllegalArgumentException("simlayerkv needs X >= 0, W >= 1, R >= 1 and w_last >= 1; got X="
                    + sinks + ", W=" + recent + ", R=" + band + ", w_last=" + lastRows);
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

    /** Not used for the decision: SimLayerKV's kept size follows from X, W and the lazy layers. */
    @Override
    public Budget budget() {
        return budget;
    }

    /** Which layers were found lazy (all false before the decision). */
    public boolean[] lazyLayers() {
        return lazy == null ? new boolean[0] : lazy.clone();
    }

    /** The per-layer attention mass z_l the decision compared with delta (NaN before it). */
    public double[] layerMass() {
        double[] z = new double[mass == null ? 0 : mass.length];
        for (int l = 0; l < z.length; l++) {
            z[l] = rows[l] == 0 ? Double.NaN : mass[l] / rows[l];
        }
        return z;
    }

    private boolean compresses() {
        return promptLength > sinks + recent + 1;
    }

    @Override
    public AttentionListener beginPrefill(PolicyContext context, int n) {
        promptLength = n;
        int layers = context.config().layers();
        mass = new double[layers];
        rows = new int[layers];
        lazy = new boolean[layers];
        decided = false;
        if (decodeVariant || !compresses()) {
            return null;
        }
        int firstRow = Math.max(0, n - lastRows);
        return new AttentionListener() {
            @Override
            public boolean wants(int layer, int position) {
                return position >= firstRow && position < n;
            }

            @Override
            public void onAttention(HeadAttention a) {
                // Row i: sinks j < X plus the band X <= j, 1 <= i - j <= R (the diagonal is not in it).
                int i = a.position();
                double z = 0;
                for (int e = 0; e < a.entries(); e++) {
                    int j = a.cache().position(e);
                    if (j < sinks || (i - j >= 1 && i - j <= band)) {
                        z += a.weights()[e];
                    }
                }
                mass[a.layer()] += z;
                rows[a.layer()]++;
            }
        };
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        if (!decodeVariant && compresses()) {
            decideAndTrim(context, editor);
        }
    }

    @Override
    public AttentionListener beginStep(PolicyContext context, int position) {
        if (!decodeVariant || decided || !compresses()) {
            return null;
        }
        return new AttentionListener() {
            @Override
            public void onAttention(HeadAttention a) {
                // The cache includes the current token: the last W entries are indices m-W..m-1.
                int m = a.entries();
                double z = 0;
                for (int e = 0; e < m; e++) {
                    if (e < sinks || e >= m - recent) {
                        z += a.weights()[e];
                    }
                }
                mass[a.layer()] += z;
                rows[a.layer()]++;
            }
        };
    }

    @Override
    public void endStep(PolicyContext context, int position, CacheEditor editor) {
        if (!compresses()) {
            return;
        }
        if (!decided) {
            if (decodeVariant) {
                decideAndTrim(context, editor);
            }
            return;
        }
        if (streaming) {
            for (int l = 0; l < lazy.length; l++) {
                if (lazy[l]) {
                    trimLayer(context, editor, l);
                }
            }
        }
    }

    private void decideAndTrim(PolicyContext context, CacheEditor editor) {
        double[] z = layerMass();
        for (int l = 0; l < lazy.length; l++) {
            lazy[l] = z[l] > delta;
            if (lazy[l]) {
                trimLayer(context, editor, l);
            }
        }
        decided = true;
    }

    private void trimLayer(PolicyContext context, CacheEditor editor, int layer) {
        for (int g = 0; g < context.config().kvHeads(); g++) {
            int m = editor.store(layer, g).size();
            if (m > sinks + recent) {
                editor.retain(layer, g, Ranking.union(Ranking.range(0, sinks), Ranking.range(m - recent, m)),
                        sinks + recent);
            }
        }
    }
}
