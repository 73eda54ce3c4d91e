package dev.kvlens.inference.policy.profiled;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.CacheEditor;
import dev.kvlens.inference.policy.KvPolicy;
import dev.kvlens.inference.policy.PolicyContext;
import dev.kvlens.inference.policy.PolicyDescriptor;
import dev.kvlens.inference.policy.PolicyFactory;
import dev.kvlens.inference.policy.PolicyOption;
import dev.kvlens.inference.policy.PolicyOptions;
import dev.kvlens.inference.policy.Ranking;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * FastGen (POLICIES.md 15.5): each head gets the cheapest cache policy that still recovers a fraction
 * {@code T} of its prompt attention, among 1 special tokens, 2 + punctuation, 3 + frequent (top
 * {@code r_f} by accumulated attention), 4 + local (last {@code r_l}), 5 full. Recovery of a
 * candidate is {@code (1/n) sum_i sum_{j kept for row i} a_ij} over the whole causal prompt
 * attention, with the local window relative to each row ({@code i - j < ceil(r_l n)}).
 * <p>
 * KV Lens stores are per KV head: each query head is judged with its own frequent set, and the KV
 * head takes the most permissive choice of its group (the candidates are nested, so every query
 * head recovers at least T); its frequent set ranks the group-mean scores. While decoding, a new
 * token is kept only if it fits the head's policy, frequent heads keep accumulating attention
 * (H2O-style) and keep the top {@code ceil(r_f t)}, local heads the last {@code ceil(r_l t)}.
 * <p>
 * Special and punctuation tokens are recognised by their ids ({@link PolicyContext#tokens()}); the
 * sets come from the vocabulary, in the table {@code kvlens profile --policy fastgen} writes (a
 * token in both sets counts as special). Defaults {@code r_l = r_f = 0.3, T = 0.95}
 * are recalled values (verify). The budget is not an input: report the realised keep fraction.
 */
public final class FastGenPolicy implements KvPolicy {

    static final String ID = "fastgen";

    /** Candidate policies, cheapest first. */
    public static final int SPECIAL = 1;
    public static final int PUNCTUATION = 2;
    public static final int FREQUENT = 3;
    public static final int LOCAL = 4;
    public static final int FULL = 5;

    private static final byte OTHER = 0;
    private static final byte SPECIAL_TOKEN = 1;
    private static final byte PUNCTUATION_TOKEN = 2;

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor(ID, "FastGen",
            "FastGen (Model Tells You What to Discard), arXiv 2310.01801",
            "Profiles each head on the prompt and gives it the cheapest of special / +punctuation / +frequent / "
                    + "+local / full that recovers a fraction T of its attention; decoding follows each head's choice.",
            false, false, List.of(
            PolicyOption.number("table", "", "the vocabulary sets written by `kvlens profile --policy fastgen`"),
            PolicyOption.number("T", "0.95", "attention recovery threshold (recalled; papers sweep 0.95-0.99)"),
            PolicyOption.number("r_l", "0.3", "local window as a fraction of the tokens seen (recalled)"),
            PolicyOption.number("r_f", "0.3", "frequent tokens as a fraction of the tokens seen (recalled)")));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            String path = options.string("table");
            if (path.isEmpty()) {
                throw new IllegalArgumentException("fastgen needs the vocabulary's special and punctuation tokens: run "
                        + "`kvlens profile --model M --policy fastgen --out FILE` and pass fastgen:table=FILE");
            }
            ProfileTable t = ProfileTables.read(Path.of(path), ID);
            if (t.fastGen() == null || t.fastGen().specialTokens() == null || t.fastGen().punctuationTokens() == null) {
                throw new IllegalArgumentException("the profile table " + path + " has no fastGen token sets");
            }
            return new FastGenPolicy(t.fastGen(), budget, options);
        }
    };

    private final FastGenTable sets;
    private final Budget budget;
    private final PolicyOptions options;
    private final double threshold;
    private final double localShare;
    private final double frequentShare;

    /** Class of every vocabulary id (OTHER, SPECIAL_TOKEN, PUNCTUATION_TOKEN), built on first use. */
    private byte[] tokenClass;
    private byte[] classes = new byte[0];
    private int promptLength;
    private double[][][] columnSum;
    private double[][][] localColumn;
    private double[][] localMass;
    private double[][] specialMass;
    private double[][] punctuationMass;
    private int[][] choice;
    private float[][][] accumulated;

    FastGenPolicy(FastGenTable sets, Budget budget, PolicyOptions options) {
        this.sets = sets;
        this.budget = budget;
        this.options = options;
        this.threshold = options.number("T");
        this.localShare = options.number("r_l");
        this.frequentShare = options.number("r_f");
        if (!(threshold > 0 && threshold <= 1) || !(localShare >= 0 && localShare <= 1)
                || !(frequentShare >= 0 && frequentShare <= 1)) {
            throw new IllegalArgumentException("fastgen needs 0 < T <= 1 and r_l, r_f in [0, 1]; got T=" + threshold
                    + ", r_l=" + localShare + ", r_f=" + frequentShare);
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

    /** The candidate (1..5) each (layer, KV head) runs with, after the prompt. */
    public int[][] choices() {
        return choice == null ? null : Arrays.stream(choice).map(int[]::clone).toArray(int[][]::new);
    }

    /** The candidate chosen from recoveries {@code r[0..3]} of candidates 1..4: the first reaching T, else full. */
    static int choose(double[] recovery, double threshold) {
        for (int k = 0; k < recovery.length; k++) {
            if (recovery[k] >= threshold - 1e-9) {
                return k + 1;
            }
        }
        return FULL;
    }

    private void indexVocabulary(ModelConfig c) {
        int vocab = c.vocabularySize();
        if (tokenClass != null && tokenClass.length == vocab) {
            return;
        }
        byte[] byId = new byte[vocab];
        // punctuation first, so that an id in both sets ends up special
        for (int[] set : new int[][] {sets.punctuationTokens(), sets.specialTokens()}) {
            for (int id : set) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException(ID + ": the table names token " + id + ", outside this model's "
                            + "vocabulary of " + vocab + "; run `kvlens profile` for this model");
                }
                byId[id] = set == sets.specialTokens() ? SPECIAL_TOKEN : PUNCTUATION_TOKEN;
            }
        }
        tokenClass = byId;
    }

    /** Records the class of the token fed at {@code position}, read from the context's token ids. */
    private void classify(PolicyContext context, int position) {
        if (context.tokens().size() <= position) {
            throw new IllegalStateException(ID + " reads the token ids from the policy context, which holds "
                    + context.tokens().size() + " tokens at position " + position
                    + " (PolicyLane fills them before the policy runs)");
        }
        if (position >= classes.length) {
            classes = Arrays.copyOf(classes, Math.max(position + 1, classes.length * 2));
        }
        int id = context.tokens().at(position);
        if (id < 0 || id >= tokenClass.length) {
            throw new IllegalArgumentException(ID + ": token id " + id + " at position " + position
                    + " is outside the vocabulary of " + tokenClass.length);
        }
        classes[position] = tokenClass[id];
    }

    private boolean kept(int level, int position) {
        byte cls = classes[position];
        return cls == SPECIAL_TOKEN || (level >= PUNCTUATION && cls == PUNCTUATION_TOKEN);
    }

    @Override
    public AttentionListener beginPrefill(PolicyContext context, int n) {
        ModelConfig c = context.config();
        indexVocabulary(c);
        promptLength = n;
        classes = new byte[n];
        for (int j = 0; j < n; j++) {
            classify(context, j);
        }
        columnSum = new double[c.layers()][c.heads()][n];
        localColumn = new double[c.layers()][c.heads()][n];
        localMass = new double[c.layers()][c.heads()];
        specialMass = new double[c.layers()][c.heads()];
        punctuationMass = new double[c.layers()][c.heads()];
        int local = (int) Math.ceil(localShare * n);
        return new AttentionListener() {
            @Override
            public void onAttention(HeadAttention a) {
                int l = a.layer();
                int h = a.head();
                int i = a.position();
                double[] col = columnSum[l][h];
                double[] loc = localColumn[l][h];
                float[] w = a.weights();
                for (int e = 0; e < a.entries(); e++) {
                    int j = a.cache().position(e);
                    col[j] += w[e];
                    byte cls = classes[j];
                    if (cls == SPECIAL_TOKEN) {
                        specialMass[l][h] += w[e];
                    } else if (cls == PUNCTUATION_TOKEN) {
                        punctuationMass[l][h] += w[e];
                    } else if (i - j < local) {
                        loc[j] += w[e];
                        localMass[l][h] += w[e];
                    }
                }
            }
        };
    }

    /** Recoveries of candidates 1..4 for one query head (see the class comment). */
    double[] recoveries(int layer, int head) {
        int n = promptLength;
        double[] col = columnSum[layer][head];
        float[] scores = new float[n];
        for (int j = 0; j < n; j++) {
            scores[j] = classes[j] == OTHER ? (float) col[j] : Float.NEGATIVE_INFINITY;
        }
        int[] frequent = frequentSet(scores, (int) Math.ceil(frequentShare * n));
        double r1 = specialMass[layer][head] / n;
        double r2 = r1 + punctuationMass[layer][head] / n;
        double freq = 0;
        double freqLocal = 0;
        for (int j : frequent) {
            freq += col[j];
            freqLocal += localColumn[layer][head][j];
        }
        double r3 = r2 + freq / n;
        double r4 = r3 + (localMass[layer][head] - freqLocal) / n;
        return new double[] {r1, r2, r3, r4};
    }

    /** Top {@code k} among the finite scores (ties to the lower position), ascending. */
    private static int[] frequentSet(float[] scores, int k) {
        int[] order = Ranking.order(scores, null);
        int[] out = new int[Math.min(k, scores.length)];
        int m = 0;
        for (int i = 0; i < order.length && m < out.length; i++) {
            if (scores[order[i]] != Float.NEGATIVE_INFINITY) {
                out[m++] = order[i];
            }
        }
        out = Arrays.copyOf(out, m);
        Arrays.sort(out);
        return out;
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        ModelConfig c = context.config();
        int group = c.groupSize();
        choice = new int[c.layers()][c.kvHeads()];
        accumulated = new float[c.layers()][c.kvHeads()][];
        for (int l = 0; l < c.layers(); l++) {
            for (int g = 0; g < c.kvHeads(); g++) {
                int level = SPECIAL;
                float[] mean = new float[promptLength];
                for (int h = g * group; h < (g + 1) * group; h++) {
                    level = Math.max(level, choose(recoveries(l, h), threshold));
                    for (int j = 0; j < promptLength; j++) {
                        mean[j] += (float) (columnSum[l][h][j] / group);
                    }
                }
                choice[l][g] = level;
                accumulated[l][g] = mean;
                enforce(editor, l, g, promptLength);
            }
        }
        columnSum = null;
        localColumn = null;
    }

    /** Brings (layer, KV head) to its policy for {@code seen} tokens, compacting the accumulated scores. */
    private void enforce(CacheEditor editor, int l, int g, int seen) {
        int level = choice[l][g];
        if (level == FULL) {
            return;
        }
        KvHeadStore store = editor.store(l, g);
        int m = store.size();
        float[] acc = accumulated[l][g];
        boolean[] keep = new boolean[m];
        float[] rest = new float[m];
        int[] positions = new int[m];
        int localFrom = seen - (int) Math.ceil(localShare * seen);
        for (int e = 0; e < m; e++) {
            int p = store.position(e);
            positions[e] = p;
            keep[e] = kept(level, p) || (level == LOCAL && p >= localFrom);
            rest[e] = keep[e] || classes[p] != OTHER ? Float.NEGATIVE_INFINITY : acc[e];
        }
        if (level >= FREQUENT) {
            for (int e : frequentSet(rest, (int) Math.ceil(frequentShare * seen))) {
                keep[e] = true;
            }
        }
        int[] indices = new int[m];
        int k = 0;
        for (int e = 0; e < m; e++) {
            if (keep[e]) {
                indices[k++] = e;
            }
        }
        indices = Arrays.copyOf(indices, k);
        float[] compact = new float[k];
        for (int i = 0; i < k; i++) {
            compact[i] = acc[indices[i]];
        }
        accumulated[l][g] = compact;
        if (k < m) {
            editor.retain(l, g, indices, k);
        }
    }

    @Override
    public AttentionListener beginStep(PolicyContext context, int position) {
        ModelConfig c = context.config();
        int group = c.groupSize();
        classify(context, position);
        return new AttentionListener() {
            @Override
            public void onAttention(HeadAttention a) {
                int g = a.kvHead();
                float[] acc = accumulated[a.layer()][g];
                if (acc.length < a.entries()) {
                    acc = Arrays.copyOf(acc, a.entries()); // the new token's entry starts at 0
                    accumulated[a.layer()][g] = acc;
                }
                for (int e = 0; e < a.entries(); e++) {
                    acc[e] += a.weights()[e] / group;
                }
            }
        };
    }

    @Override
    public void endStep(PolicyContext context, int position, CacheEditor editor) {
        ModelConfig c = context.config();
        for (int l = 0; l < c.layers(); l++) {
            for (int g = 0; g < c.kvHeads(); g++) {
                int m = editor.store(l, g).size();
                if (accumulated[l][g].length < m) {
                    accumulated[l][g] = Arrays.copyOf(accumulated[l][g], m);
                }
                enforce(editor, l, g, position + 1);
            }
        }
    }

    @Override
    public long bookkeepingBytes() {
        long total = (long) classes.length;
        if (accumulated != null) {
            for (float[][] layer : accumulated) {
                for (float[] a : layer) {
                    total += (long) a.length * Float.BYTES;
                }
            }
        }
        return total;
    }
}
