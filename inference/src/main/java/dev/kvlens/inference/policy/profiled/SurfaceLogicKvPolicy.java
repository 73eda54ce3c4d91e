package dev.kvlens.inference.policy.profiled;

import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.CacheEditor;
import dev.kvlens.inference.policy.DecodeRecompression;
import dev.kvlens.inference.policy.KvPolicy;
import dev.kvlens.inference.policy.PolicyContext;
import dev.kvlens.inference.policy.PolicyDescriptor;
import dev.kvlens.inference.policy.PolicyFactory;
import dev.kvlens.inference.policy.PolicyOption;
import dev.kvlens.inference.policy.PolicyOptions;
import dev.kvlens.inference.policy.SnapKvScoring;
import dev.kvlens.inference.policy.WindowAttentionCollector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * SurfaceLogicKV-like (POLICIES.md 12, a reconstruction on the HeadKV line): heads that, on needle
 * probes, attended the needle (copying it: surface memorisation; or not: logic construction) get
 * more cache. With {@code pi[l][h] = INFsc[l][h] / sum INFsc} from the profile table, each query
 * head's budget is KVCache-Factory's HeadKV formula
 * {@code round(pi * floor(B/beta) * L * H + (B - floor(B/beta)))}, the KV head's budget the mean
 * over its group (rounded), and SnapKV chooses the tokens. A table where no head ever attended the
 * needle gives every head {@code B}. Prefill once; with {@code decode=recompress} (not the paper's:
 * off by default) every {@code interval} steps each head is brought back to its own share of
 * {@code B} (at least the window).
 */
public final class SurfaceLogicKvPolicy implements KvPolicy {

    static final String ID = "surfacelogickv";

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor(ID, "SurfaceLogicKV-like",
            "SurfaceLogicKV, arXiv 2508.15806 (reconstruction)",
            "Heads that attend the needle in profiling probes (surface memorisation or logic construction) get a "
                    + "larger share of a fixed-base + dynamic budget; SnapKV picks the tokens.",
            true, false, declaredOptions());

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            String path = options.string("table");
            if (path.isEmpty()) {
                throw new IllegalArgumentException("surfacelogickv needs its profile: run `kvlens profile --model M "
                        + "--policy surfacelogickv --out FILE` and pass surfacelogickv:table=FILE");
            }
            ProfileTable t = ProfileTables.read(Path.of(path), ID);
            if (t.surfaceLogic() == null) {
                throw new IllegalArgumentException("the profile table " + path + " has no surfaceLogic section");
            }
            ProfileTables.requireMatrix(t.surfaceLogic().inferenceScore(), t.layers(), t.heads(), "inferenceScore", ID);
            return new SurfaceLogicKvPolicy(t.model(), t.kvHeads(), t.surfaceLogic().inferenceScore(), budget, options);
        }
    };

    private static List<PolicyOption> declaredOptions() {
        List<PolicyOption> all = new ArrayList<>();
        all.add(PolicyOption.number("table", "", "the profile table written by `kvlens profile --policy surfacelogickv`"));
        all.add(PolicyOption.number("beta", "1.01", "fixed/dynamic split: B - B/beta is the fixed base (HeadKV 1.01)"));
        all.addAll(SnapKvScoring.declaredOptions());
        all.addAll(DecodeRecompressionOption.declared());
        return all;
    }

    private final String profiledModel;
    private final int kvHeads;
    private final double[][] score;
    private final Budget budget;
    private final PolicyOptions options;
    private final double beta;
    private final SnapKvScoring scoring;
    private final boolean recompress;
    private final int interval;
    private WindowAttentionCollector collector;
    private int promptLength;
    private int[][] lastBudgets;
    private DecodeRecompression decode;

    SurfaceLogicKvPolicy(String profiledModel, int kvHeads, double[][] score, Budget budget, PolicyOptions options) {
        this.profiledModel = profiledModel;
        this.kvHeads = kvHeads;
        this.score = score;
        this.budget = budget;
        this.options = options;
        this.beta = options.number("beta");
        this.scoring = SnapKvScoring.from(options);
        this.recompress = DecodeRecompressionOption.recompress(options);
        this.interval = DecodeRecompressionOption.interval(options, ID);
        if (!(beta >= 1)) {
            throw new IllegalArgumentException(ID + ":beta must be at least 1, got " + beta);
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

    @Override
    public Budget budget() {
        return budget;
    }

    /** The entries each (layer, KV head) was given at the last prefill. */
    public int[][] lastBudgets() {
        return lastBudgets;
    }

    /** Per query head, HeadKV's formula; then the mean over each KV group, rounded; clamped to [1, n]. */
    static int[][] budgets(double[][] score, int kvHeads, int b, double beta, int n) {
        int layers = score.length;
        int heads = score[0].length;
        int group = heads / kvHeads;
        double total = 0;
        for (double[] r : score) {
            for (double v : r) {
                total += v;
            }
        }
        long dynamic = (long) Math.floor(b / beta);
        long base = b - dynamic;
        int[][] out = new int[layers][kvHeads];
        for (int l = 0; l < layers; l++) {
            for (int g = 0; g < kvHeads; g++) {
                double sum = 0;
                for (int h = g * group; h < (g + 1) * group; h++) {
                    double pi = total > 0 ? score[l][h] / total : 1.0 / (layers * heads);
                    sum += Math.round(pi * dynamic * layers * heads + base);
                }
                out[l][g] = (int) Math.max(1, Math.min(n, Math.round(sum / group)));
            }
        }
        return out;
    }

    @Override
    public AttentionListener beginPrefill(PolicyContext context, int n) {
        ModelConfig c = context.config();
        if (c.layers() != score.length || c.heads() != score[0].length || c.kvHeads() != kvHeads) {
            throw new IllegalArgumentException(ID + ": the profile table was made for " + score.length + " layers x "
                    + score[0].length + " heads of " + profiledModel + ", this model has " + c.layers() + " x "
                    + c.heads() + "; run `kvlens profile` for it");
        }
        promptLength = n;
        decode = null;
        if (budget.entriesFor(n) >= n) {
            collector = null;
            return null;
        }
        collector = new WindowAttentionCollector(c.layers(), c.heads(), c.headDim(), n, scoring.window(), false, null);
        return collector;
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        int n = promptLength;
        if (collector != null) {
            lastBudgets = budgets(score, kvHeads, budget.entriesFor(n), beta, n);
            PerHeadSnapKvSelection.apply(context.config(), editor, collector, scoring, lastBudgets);
            collector = null;
        } // else n <= B: no compression
        if (recompress && budget.entriesFor(n) != Integer.MAX_VALUE) {
            // each head is held at its own share of B, not clamped to the prompt: a head may grow to it
            int[][] targets = budgets(score, kvHeads, budget.entriesFor(n), beta, Integer.MAX_VALUE);
            decode = new DecodeRecompression(scoring, interval, n, context.config().heads(),
                    DecodeRecompressionOption.targets(targets, scoring.window()));
        }
    }

    @Override
    public AttentionListener beginStep(PolicyContext context, int position) {
        return decode == null ? null : decode.beginStep(position);
    }

    @Override
    public void endStep(PolicyContext context, int position, CacheEditor editor) {
        if (decode != null) {
            decode.endStep(position, editor);
        }
    }

    @Override
    public long bookkeepingBytes() {
        return decode == null ? 0 : decode.bytes();
    }
}
