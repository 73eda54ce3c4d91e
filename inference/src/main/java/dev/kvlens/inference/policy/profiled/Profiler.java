package dev.kvlens.inference.policy.profiled;

import dev.kvlens.inference.model.LlamaModel;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.KvPolicy;
import dev.kvlens.inference.policy.PolicyLane;
import dev.kvlens.inference.policy.profiled.BaklavaTable.GridPoint;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the offline table of a profiled policy ({@code kvlens profile}): generates the probes, runs
 * them with a full cache and, for BaKlaVa-like, searches the allocation by calibration perplexity.
 */
public final class Profiler {

    /** BaKlaVa-like search grid: exponents and floors (fractions of rho); gamma 0 is the uniform allocation. */
    static final double[] GAMMAS = {0, 0.5, 1, 2};
    static final double[] MIN_SHARES = {0, 0.25, 0.5};

    /**
     * @param probes    needle probes to run
     * @param sentences haystack sentences per probe
     * @param seed      seed of the generated text
     * @param answerTokens SurfaceLogicKV-like: answer tokens per probe
     * @param topK      SurfaceLogicKV-like: attended positions inspected
     * @param importance BaKlaVa-like head pair: value-output or residual-contribution
     * @param shareLayers KVSharer: most layers that may share (SHARE_LAYERS; capped at L - 1)
     * @param shareThreshold KVSharer: cosine similarity of final hidden states a sharing must exceed
     * @param calibrationTexts KVSharer: short calibration texts (at most 64 tokens each)
     */
    public record Settings(int probes, int sentences, long seed, int answerTokens, int topK, String importance,
                           int shareLayers, double shareThreshold, int calibrationTexts) {

        /** KVSharer's notebook values: SHARE_LAYERS 4, THRESHOLD 0.5, 30 calibration texts. */
        public static final int SHARE_LAYERS = 4;
        public static final double SHARE_THRESHOLD = 0.5;
        public static final int CALIBRATION_TEXTS = 30;

        /** Settings for the needle-probe policies, KVSharer's at the notebook's values. */
        public Settings(int probes, int sentences, long seed, int answerTokens, int topK, String importance) {
            this(probes, sentences, seed, answerTokens, topK, importance, SHARE_LAYERS, SHARE_THRESHOLD,
                    CALIBRATION_TEXTS);
        }

        public static Settings defaults() {
            return new Settings(8, 12, 1, 4, 1, "value-output");
        }
    }

    private Profiler() {
    }

    /** The supported policy ids. */
    public static List<String> policies() {
        return List.of(BaklavaPolicy.ID, SurfaceLogicKvPolicy.ID, FastGenPolicy.ID, KvSharerPolicy.ID);
    }

    public static ProfileTable profile(LoadedModel loaded, String policy, Budget budget, Settings s) {
        long start = System.nanoTime();
        ModelConfig c = loaded.config();
        boolean needles = policy.equals(BaklavaPolicy.ID) || policy.equals(SurfaceLogicKvPolicy.ID);
        List<NeedleProbe> probes = needles ? NeedleProbes.make(loaded.tokenizer(), s.seed(), s.probes(), s.sentences())
                : List.of();
        BaklavaTable baklava = null;
        SurfaceLogicTable surfaceLogic = null;
        FastGenTable fastGen = null;
        KvSharerTable kvSharer = null;
        switch (policy) {
            case BaklavaPolicy.ID -> baklava = baklava(loaded, probes, budget, s);
            case SurfaceLogicKvPolicy.ID -> {
                NeedleBehaviourProfiler p = new NeedleBehaviourProfiler(loaded.model(), s.topK(), s.answerTokens());
                probes.forEach(p::run);
                surfaceLogic = p.table();
            }
            case FastGenPolicy.ID -> fastGen = VocabularySets.of(loaded.tokenizer());
            case KvSharerPolicy.ID -> kvSharer = KvSharerCalibration.search(loaded.model(), loaded.tokenizer(),
                    s.seed(), s.calibrationTexts(), Math.min(s.shareLayers(), c.layers() - 1), s.shareThreshold());
            default -> throw new IllegalArgumentException("no profile for policy '" + policy + "'; profiled policies: "
                    + String.join(", ", policies()));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new ProfileTable(ProfileTables.VERSION, policy, c.name(), c.layers(), c.heads(), c.kvHeads(),
                probes, baklava, surfaceLogic, fastGen, kvSharer, seconds);
    }

    private static BaklavaTable baklava(LoadedModel loaded, List<NeedleProbe> probes, Budget budget, Settings s) {
        if (!budget.isFraction()) {
            throw new IllegalArgumentException("baklava profiles for a kept fraction (--budget 0.25 or 25%), got "
                    + budget.label());
        }
        LlamaModel model = loaded.model();
        ModelConfig c = model.config();
        HeadChangeProfiler.Pair pair = switch (s.importance()) {
            case "value-output" -> HeadChangeProfiler.Pair.VALUE_OUTPUT;
            case "residual-contribution" -> HeadChangeProfiler.Pair.RESIDUAL_CONTRIBUTION;
            default -> throw new IllegalArgumentException("importance must be value-output or residual-contribution, got '"
                    + s.importance() + "'");
        };
        HeadChangeProfiler importance = new HeadChangeProfiler(model, pair);
        for (NeedleProbe p : probes) {
            importance.run(p.tokens());
        }
        double[][] head = importance.headImportance();
        double[][] kv = HeadChangeProfiler.perKvHead(head, c.kvHeads());
        double[] layer = importance.layerImportance();
        double[][] combined = BaklavaAllocation.combined(layer, kv);

        String text = NeedleProbes.story(s.seed() + 1, Math.max(8, s.sentences() * 2));
        int[] tokens = loaded.tokenizer().encode(text, true, false);
        double rho = budget.keepFraction();
        double full = perplexity(model, dev.kvlens.inference.policy.FullKvPolicy.create(), tokens);
        List<GridPoint> grid = new ArrayList<>();
        GridPoint best = null;
        double[][] bestFractions = null;
        for (double gamma : GAMMAS) {
            for (double minShare : MIN_SHARES) {
                double[][] f = BaklavaAllocation.fractions(combined, rho, gamma, minShare);
                KvPolicy policy = new BaklavaPolicy(c.name(), c.layers(), c.heads(), c.kvHeads(), f, rho, budget,
                        BaklavaPolicy.defaultOptions());
                GridPoint point = new GridPoint(gamma, minShare, perplexity(model, policy, tokens));
                grid.add(point);
                if (best == null || point.perplexity() < best.perplexity()) {
                    best = point;
                    bestFractions = f;
                }
            }
        }
        return new BaklavaTable(s.importance(), head, kv, layer, rho, best.gamma(), best.minShare(), bestFractions,
                grid, full, text);
    }

    /**
     * Perplexity of the second half of {@code tokens} when the first half is the prompt the policy
     * compresses (teacher forcing, one decoding step per token).
     */
    static double perplexity(LlamaModel model, KvPolicy policy, int[] tokens) {
        int context = tokens.length / 2;
        if (context < 1 || tokens.length - context < 1) {
            throw new IllegalArgumentException("calibration text of " + tokens.length + " tokens is too short");
        }
        PolicyLane lane = new PolicyLane(model, policy);
        float[] logits = lane.prefill(java.util.Arrays.copyOf(tokens, context), null, false);
        double nll = 0;
        for (int t = context; t < tokens.length; t++) {
            nll -= logSoftmax(logits, tokens[t]);
            if (t + 1 < tokens.length) {
                logits = lane.step(tokens[t], null);
            }
        }
        return Math.exp(nll / (tokens.length - context));
    }

    static double logSoftmax(float[] logits, int index) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        return logits[index] - max - Math.log(sum);
    }
}
