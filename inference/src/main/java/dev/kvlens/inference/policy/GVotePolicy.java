package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.kernels.VectorOps;
import dev.kvlens.kernels.linalg.CovarianceAccumulator;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * GVote-like (POLICIES.md 13, a reconstruction: the paper has no public code). At the end of prefill,
 * per layer: fit a diagonal Gaussian to the prompt's normalised attention inputs, draw {@code S}
 * hidden states from it, project them to synthetic queries at position {@code n}, and let each
 * (sample, query head) vote for the smallest set of keys that holds {@code p_nuc} of its attention;
 * the real last prompt query votes too. A KV head keeps the union of its query heads' votes, so the
 * budget emerges per layer, head and request; the given {@link Budget} is ignored unless
 * {@code cap=budget}.
 * <p>
 * Reconstruction choices, each an option: hidden state = the layer's pre-attention RMSNorm output;
 * diagonal covariance (population variance, the default) or the full {@code D x D} population
 * covariance ({@code covariance=full}, sampled through its Cholesky factor, see
 * {@link HiddenStateGaussian}); query position {@code next} ({@code n}) or
 * {@code spread} ({@code n .. n+S-1}); the real query votes ({@code real-query}); union = at least
 * {@code votes-required} votes; sinks/window protection off by default (non-paper).
 * Statistics are summed in double: {@code O(L * D)} memory while the prompt runs, and with
 * {@code covariance=full} also {@code 8 * L * D^2} bytes off the Java heap (128 MiB per layer at D = 4096).
 */
public final class GVotePolicy implements KvPolicy {

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("gvote", "GVote-like",
            "GVote, arXiv 2509.03136 (reconstruction)",
            "Samples plausible future queries from a Gaussian fitted to the prompt's hidden states; keeps the union "
                    + "of the keys each sample's top-p attention needs. The kept size adapts per request.",
            true, false, List.of(
            PolicyOption.number("samples", "8", "S, synthetic queries per layer (paper: S >= 8)"),
            PolicyOption.number("p_nuc", "0.95", "nucleus mass each vote must cover (paper: 0.95)"),
            PolicyOption.number("seed", "0", "seed of the Gaussian samples"),
            PolicyOption.choice("covariance", "diag", List.of("diag", "full"),
                    "diag: independent dimensions (default); full: the D x D covariance, sampled through its Cholesky "
                            + "factor (ND4J); costs 8 D^2 bytes per layer while the prompt runs (128 MiB at D = 4096) "
                            + "and O(n D^2) BLAS work"),
            PolicyOption.number("votes-required", "1", "keep an entry with at least this many votes (1 = union)"),
            PolicyOption.choice("real-query", "true", List.of("true", "false"),
                    "the real last prompt query votes too (paper's single-step estimate)"),
            PolicyOption.choice("position", "next", List.of("next", "spread"),
                    "RoPE position of synthetic queries: next = n; spread = n + s for sample s"),
            PolicyOption.number("sinks", "0", "non-paper: always keep the first entries (default off)"),
            PolicyOption.number("window", "0", "non-paper: always keep the last prompt entries (default off)"),
            PolicyOption.choice("cap", "none", List.of("none", "budget"),
                    "none (paper): the votes set the size; budget: keep at most the budget, most-voted first")));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new GVotePolicy(budget, options);
        }
    };

    private final Budget budget;
    private final PolicyOptions options;
    private final int samples;
    private final double nucleus;
    private final long seed;
    private final int votesRequired;
    private final boolean realQueryVotes;
    private final boolean spread;
    private final int sinks;
    private final int window;
    private final boolean capped;
    private final boolean fullCovariance;

    private int promptLength;
    private double[][] sum;
    private double[][] sumSquares;
    private int[] rowsSeen;
    private CovarianceAccumulator[] covariances;
    private int[][][] votes;
    private double lastKeepFraction = Double.NaN;

    private GVotePolicy(Budget budget, PolicyOptions options) {
        this.budget = budget;
        this.options = options;
        this.samples = options.integer("samples");
        this.nucleus = options.number("p_nuc");
        this.seed = options.integer("seed");
        this.votesRequired = options.integer("votes-required");
        this.realQueryVotes = options.flag("real-query");
        this.spread = options.string("position").equals("spread");
        this.sinks = options.integer("sinks");
        this.window = options.integer("window");
        this.capped = options.string("cap").equals("budget");
        this.fullCovariance = options.string("covariance").equals("full");
        if (samples < 0 || !(nucleus > 0 && nucleus <= 1) || votesRequired < 1 || sinks < 0 || window < 0) {
            throw new IllegalArgumentException("gvote needs samples >= 0, 0 < p_nuc <= 1, votes-required >= 1, "
                    + "sinks >= 0, window >= 0; got samples=" + samples + ", p_nuc=" + nucleus + ", votes-required="
                    + votesRequired + ", sinks=" + sinks + ", window=" + window);
        }
        if (samples == 0 && !realQueryVotes) {
            throw new IllegalArgumentException("gvote with samples=0 and real-query=false has no voter");
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

    /** Entries kept over entries held after the last prefill, over every (layer, KV head); NaN before. */
    public double lastKeepFraction() {
        return lastKeepFraction;
    }

    @Override
    public AttentionListener beginPrefill(PolicyContext context, int n) {
        ModelConfig c = context.config();
        promptLength = n;
        sum = new double[c.layers()][c.dim()];
        sumSquares = new double[c.layers()][c.dim()];
        rowsSeen = new int[c.layers()];
        votes = new int[c.layers()][c.kvHeads()][n];
        closeCovariances();
        if (fullCovariance && samples > 0) {
            covariances = new CovarianceAccumulator[c.layers()];
            for (int l = 0; l < c.layers(); l++) {
                covariances[l] = new CovarianceAccumulator(c.dim());
            }
        }
        return new AttentionListener() {
            @Override
            public boolean wants(int layer, int position) {
                return position < n;
            }

            @Override
            public void onLayerInput(int layer, int position, float[] residual, int residualOffset, float[] normed,
                                     int normedOffset) {
                double[] s = sum[layer];
                double[] s2 = sumSquares[layer];
                for (int d = 0; d < s.length; d++) {
                    double x = normed[normedOffset + d];
                    s[d] += x;
                    s2[d] += x * x;
                }
                rowsSeen[layer]++;
                if (covariances != null) {
                    covariances[layer].add(normed, normedOffset);
                }
            }

            @Override
            public void onAttention(HeadAttention a) {
                if (realQueryVotes && a.position() == n - 1) {
                    vote(a.weights(), a.entries(), a.cache(), votes[a.layer()][a.kvHead()]);
                }
            }
        };
    }

    /** Adds one vote to every entry of the smallest top-ranked prefix reaching {@code p_nuc} of the mass. */
    void vote(float[] weights, int entries, KvHeadStore store, int[] counts) {
        for (int i : nucleus(weights, entries, store, nucleus)) {
            counts[i]++;
        }
    }

    /**
     * The store indices of the smallest prefix, in rank order (score descending, ties to the lower
     * position), whose weights sum to at least {@code p}; ascending.
     */
    static int[] nucleus(float[] weights, int entries, KvHeadStore store, double p) {
        float[] w = Arrays.copyOf(weights, entries);
        int[] positions = new int[entries];
        for (int i = 0; i < entries; i++) {
            positions[i] = store.position(i);
        }
        int[] order = Ranking.order(w, positions);
        double mass = 0;
        int k = 0;
        // fp32 weights rarely sum to a decimal p exactly: within 1e-6 counts as reached.
        while (k < entries && mass < p - 1e-6) {
            mass += w[order[k++]];
        }
        int[] chosen = Arrays.copyOf(order, k);
        Arrays.sort(chosen);
        return chosen;
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        ModelConfig c = context.config();
        int n = promptLength;
        SyntheticQueryProjector projector = new SyntheticQueryProjector(c);
        Random random = new Random(seed);
        float scale = (float) (1.0 / Math.sqrt(c.headDim()));
        float[] scores = new float[n];
        long kept = 0;
        long held = 0;
        for (int l = 0; l < c.layers(); l++) {
            HiddenStateGaussian gaussian = samples == 0 ? null : fit(l, c.dim());
            float[] x = new float[c.dim()];
            for (int s = 0; s < samples; s++) {
                gaussian.sample(random, x);
                float[] q = projector.project(context.model().weights().layers().get(l), x, spread ? n + s : n);
                for (int h = 0; h < c.heads(); h++) {
                    int g = h / c.groupSize();
                    KvHeadStore store = editor.store(l, g);
                    int m = store.size();
                    store.scores(q, h * c.headDim(), scale, scores);
                    VectorOps.softmax(scores, 0, m);
                    vote(scores, m, store, votes[l][g]);
                }
            }
            for (int g = 0; g < c.kvHeads(); g++) {
                KvHeadStore store = editor.store(l, g);
                int[] keep = chosen(votes[l][g], store.size(), budget.entriesFor(n));
                held += store.size();
                kept += keep.length;
                if (keep.length < store.size()) {
                    editor.retain(l, g, keep, keep.length);
                }
            }
        }
        lastKeepFraction = held == 0 ? Double.NaN : kept / (double) held;
        sum = null;
        sumSquares = null;
        votes = null;
        closeCovariances();
    }

    /** Layer {@code l}'s Gaussian: diagonal from the summed moments, or full from its covariance. */
    private HiddenStateGaussian fit(int l, int dim) {
        if (covariances != null) {
            HiddenStateGaussian g = HiddenStateGaussian.full(covariances[l]);
            covariances[l].close();
            return g;
        }
        double[] mean = new double[dim];
        double[] deviation = new double[dim];
        int rows = Math.max(1, rowsSeen[l]);
        for (int d = 0; d < dim; d++) {
            mean[d] = sum[l][d] / rows;
            deviation[d] = Math.sqrt(Math.max(0, sumSquares[l][d] / rows - mean[d] * mean[d]));
        }
        return HiddenStateGaussian.diagonal(mean, deviation);
    }

    /** Frees the off-heap covariance sums (a prefill that ended, or one begun again). */
    private void closeCovariances() {
        if (covariances != null) {
            for (CovarianceAccumulator a : covariances) {
                a.close();
            }
            covariances = null;
        }
    }

    /** Entries with enough votes, plus the optional protected ones, capped if asked; ascending. */
    int[] chosen(int[] counts, int m, int cap) {
        int[] keep = new int[m];
        int k = 0;
        for (int i = 0; i < m; i++) {
            if (counts[i] >= votesRequired || i < sinks || i >= m - window) {
                keep[k++] = i;
            }
        }
        keep = Arrays.copyOf(keep, k);
        if (capped && keep.length > cap) {
            // Most-voted first; protected entries rank above every vote count; ties to the lower position.
            float[] rank = new float[keep.length];
            for (int i = 0; i < keep.length; i++) {
                int e = keep[i];
                rank[i] = (e < sinks || e >= m - window) ? Float.MAX_VALUE : counts[e];
            }
            int[] top = Ranking.top(rank, keep, cap);
            for (int i = 0; i < top.length; i++) {
                top[i] = keep[top[i]];
            }
            keep = top;
        }
        return keep;
    }
}
