package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.ModelConfig;
import java.util.Arrays;
import java.util.List;

/**
 * H2O, the Heavy-Hitter Oracle (POLICIES.md 3 and 0.5): every (layer, KV head) keeps the
 * {@code recent} newest entries plus the {@code heavy} older ones that have received the most
 * attention so far, and evicts greedily at the end of prefill and after every decoding step.
 * <ul>
 *   <li>Score: the attention each cached key has accumulated over every query processed while it
 *       was cached. After prefill that is the column sum of the causal prompt attention
 *       ({@link ColumnSumCollector}); each step adds the new query's row; the new key starts with
 *       its own weight. Query heads of a GQA group are reduced by mean. Scores are kept as one
 *       float per entry and compacted with the cache.</li>
 *   <li>Split (KV Lens default, equal ratios as in the paper): heavy {@code floor(B/2)}, recent
 *       {@code B - floor(B/2)}; options {@code heavy} and {@code recent} override it. Heavy hitters
 *       are chosen among entries older than the recent window.</li>
 *   <li>Option {@code normalise=true} (non-paper): divide each score by the number of queries that
 *       could see the key, removing the bias of column sums towards early positions.</li>
 * </ul>
 * A step's bookkeeping is allocation-free and O(entries): the new row is added in place, and the
 * one entry to drop is found in a single pass ({@link LeastRanked}).
 */
public final class H2oPolicy implements KvPolicy {

    private static final String AUTO = "auto";

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("h2o", "H2O",
            "H2O (Zhang et al.), arXiv 2306.14048",
            "Keeps the recent entries plus the older ones with the most accumulated attention (heavy hitters); "
                    + "evicts at the end of prefill and after every step.",
            false, false, List.of(
                    PolicyOption.number("heavy", AUTO, "heavy-hitter entries per KV head; auto = floor(B/2), "
                            + "or B - recent when recent is given (KV Lens default: the paper's equal ratios)"),
                    PolicyOption.number("recent", AUTO, "most recent entries always kept; auto = B - heavy"),
                    PolicyOption.choice("normalise", "false", List.of("false", "true"),
                            "true divides accumulated attention by the queries that saw the key (non-paper; "
                                    + "removes the bias towards early positions)")));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new H2oPolicy(budget, options);
        }
    };

    private final PolicyOptions options;
    private final Budget budget;
    private final int heavyOption;
    private final int recentOption;
    private final boolean normalise;

    private int heavy;
    private int recent;
    private int group;
    private ColumnSumCollector collector;
    /** Accumulated scores per (layer, KV head), indexed like the store; valid up to {@code sizes}. */
    private float[][][] scores;
    private int[][] sizes;
    /** Per layer: the sum of the group's rows for the KV head being accumulated. */
    private float[][] groupRows;
    private float[] normalised = new float[0];
    private int[] keep = new int[0];
    private final AttentionListener stepListener = new AttentionListener() {
        @Override
        public void onAttention(HeadAttention a) {
            addRow(a);
        }
    };

    private H2oPolicy(Budget budget, PolicyOptions options) {
        this.options = options;
        this.budget = budget;
        this.heavyOption = countOption(options, "heavy");
        this.recentOption = countOption(options, "recent");
        this.normalise = options.flag("normalise");
        if (!budget.isFraction()) {
            split(budget.entriesPerHead()); // refuse impossible splits before anything runs
        }
    }

    private static int countOption(PolicyOptions options, String name) {
        String v = options.string(name);
        if (v.equals(AUTO)) {
            return -1;
        }
        int count = options.integer(name);
        if (count < 0) {
            throw new IllegalArgumentException("option h2o:" + name + " must be auto or at least 0, got " + count);
        }
        return count;
    }

    /** Resolves heavy and recent for a budget of {@code b} entries; {@code [heavy, recent]}. */
    private int[] split(int b) {
        int h;
        int r;
        if (heavyOption < 0 && recentOption < 0) {
            h = b / 2;
            r = b - h;
        } else if (heavyOption < 0) {
            r = recentOption;
            h = b - r;
        } else if (recentOption < 0) {
            h = heavyOption;
            r = b - h;
        } else {
            h = heavyOption;
            r = recentOption;
        }
        if (h < 0 || r < 0 || h + r != b) {
            throw new IllegalArgumentException("h2o: heavy " + (heavyOption < 0 ? AUTO : heavyOption) + " + recent "
                    + (recentOption < 0 ? AUTO : recentOption) + " must add up to the budget of " + b
                    + " entries per KV head");
        }
        return new int[] {h, r};
    }

    @Override
    public PolicyDescriptor descriptor() {
        if (!normalise) {
            return DESCRIPTOR;
        }
        return new PolicyDescriptor(DESCRIPTOR.id(), "H2O (normalised, non-paper)", DESCRIPTOR.paper(),
                DESCRIPTOR.description(), false, false, DESCRIPTOR.options());
    }

    @Override
    public PolicyOptions options() {
        return options;
    }

    @Override
    public Budget budget() {
        return budget;
    }

    /** Heavy-hitter entries per KV head (resolved at prefill). */
    public int heavy() {
        return heavy;
    }

    /** Recent entries per KV head (resolved at prefill). */
    public int recent() {
        return recent;
    }

    @Override
    public AttentionListener beginPrefill(PolicyContext context, int promptLength) {
        ModelConfig c = context.config();
        int[] hr = split(Math.max(1, budget.entriesFor(promptLength)));
        heavy = hr[0];
        recent = hr[1];
        group = c.groupSize();
        scores = new float[c.layers()][c.kvHeads()][];
        sizes = new int[c.layers()][c.kvHeads()];
        groupRows = new float[c.layers()][promptLength + 1];
        // Scores are needed even when nothing is evicted now: decoding steps rank by them later.
        collector = new ColumnSumCollector(c.layers(), c.heads(), promptLength);
        return collector;
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        int budgetEntries = heavy + recent;
        for (int l = 0; l < scores.length; l++) {
            for (int g = 0; g < scores[l].length; g++) {
                KvHeadStore store = editor.store(l, g);
                int n = store.size();
                float[] s = collector.groupMean(l, g, group);
                if (n > budgetEntries) {
                    int[] kept = select(s, store, n - 1);
                    editor.retain(l, g, kept, budgetEntries);
                    float[] compact = new float[kept.length + 1];
                    for (int i = 0; i < kept.length; i++) {
                        compact[i] = s[kept[i]];
                    }
                    s = compact;
                    n = kept.length;
                } else {
                    s = Arrays.copyOf(s, n + 1);
                }
                scores[l][g] = s;
                sizes[l][g] = n;
            }
        }
        collector = null;
    }

    /**
     * Keeps the last {@code recent} entries and the top {@code heavy} older ones (ascending indices).
     *
     * @param now the position of the newest query, for the normalised variant
     */
    private int[] select(float[] s, KvHeadStore store, int now) {
        int m = store.size();
        int older = Math.max(0, m - recent);
        float[] ranked = Arrays.copyOf(rankingScores(s, store, older, now), older);
        int[] positions = new int[older];
        for (int j = 0; j < older; j++) {
            positions[j] = store.position(j);
        }
        return Ranking.union(Ranking.top(ranked, positions, heavy), Ranking.range(older, m));
    }

    /** The scores the older entries {@code 0..older-1} are ranked by: as accumulated, or per query that saw them. */
    private float[] rankingScores(float[] s, KvHeadStore store, int older, int now) {
        if (!normalise) {
            return s;
        }
        if (normalised.length < older) {
            normalised = new float[Math.max(older, s.length)];
        }
        for (int j = 0; j < older; j++) {
            normalised[j] = s[j] / (now - store.position(j) + 1);
        }
        return normalised;
    }

    @Override
    public AttentionListener beginStep(PolicyContext context, int position) {
        return stepListener;
    }

    /** Adds one query head's row to its KV head's scores; the group's mean is added on its last head. */
    private void addRow(HeadAttention a) {
        int l = a.layer();
        int g = a.kvHead();
        int m = a.entries();
        float[] s = scores[l][g];
        if (s.length < m) {
            s = Arrays.copyOf(s, m + m / 4 + 16);
            scores[l][g] = s;
        }
        if (sizes[l][g] < m) {
            Arrays.fill(s, sizes[l][g], m, 0f); // new keys start from nothing
            sizes[l][g] = m;
        }
        float[] w = a.weights();
        if (group == 1) {
            for (int j = 0; j < m; j++) {
                s[j] += w[j];
            }
            return;
        }
        float[] row = groupRows[l];
        if (row.length < m) {
            row = Arrays.copyOf(row, m + m / 4 + 16);
            groupRows[l] = row;
        }
        int member = a.head() - g * group;
        if (member == 0) {
            System.arraycopy(w, 0, row, 0, m);
        } else {
            for (int j = 0; j < m; j++) {
                row[j] += w[j];
            }
        }
        if (member == group - 1) {
            float inv = group;
            for (int j = 0; j < m; j++) {
                s[j] += row[j] / inv;
            }
        }
    }

    @Override
    public void endStep(PolicyContext context, int position, CacheEditor editor) {
        int budgetEntries = heavy + recent;
        for (int l = 0; l < scores.length; l++) {
            for (int g = 0; g < scores[l].length; g++) {
                KvHeadStore store = editor.store(l, g);
                int m = store.size();
                if (m <= budgetEntries) {
                    continue;
                }
                float[] s = scores[l][g];
                int[] kept;
                if (m == budgetEntries + 1) {
                    int older = m - recent;
                    int drop = LeastRanked.index(rankingScores(s, store, older, position), 0, older);
                    if (keep.length != budgetEntries) {
                        keep = new int[budgetEntries];
                    }
                    kept = LeastRanked.allBut(m, drop, keep);
                    System.arraycopy(s, drop + 1, s, drop, m - drop - 1);
                } else {
                    kept = select(s, store, position);
                    for (int i = 0; i < kept.length; i++) {
                        s[i] = s[kept[i]];
                    }
                }
                editor.retain(l, g, kept, budgetEntries);
                sizes[l][g] = kept.length;
            }
        }
    }

    /** Four bytes of accumulated score per kept entry per KV head (POLICIES.md 3, memory). */
    @Override
    public long bookkeepingBytes() {
        if (sizes == null) {
            return 0;
        }
        long entries = 0;
        for (int[] layer : sizes) {
            for (int size : layer) {
                entries += size;
            }
        }
        return entries * Float.BYTES;
    }
}
