package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.ModelConfig;
import java.util.Arrays;
import java.util.List;

/**
 * TOVA, Token Omission Via Attention (POLICIES.md 4): the cache is a fixed-size memory; whenever
 * it holds more than {@code B} entries, drop the one the newest query attends to least.
 * <ul>
 *   <li>Score of entry {@code j}: the newest query's attention to it, averaged over ALL query heads
 *       of the layer, so every KV head of a layer keeps the same index set (GQA needs nothing
 *       special). Option {@code selection=head}: average over each KV head's group only and choose
 *       per KV head (the paper's per-head alternative).</li>
 *   <li>At the end of prefill (when {@code n > B}) the last prompt token's attention ranks the prompt
 *       and the top {@code B} stay; then after every decoding step the lowest entry goes.</li>
 *   <li>Option {@code keep-last}: the newest entry is never dropped (kvpress gives it score max+1).
 *       Default false: the paper protects nothing.</li>
 * </ul>
 * A step's work is O(entries) per layer and allocation-free once the buffers have grown.
 */
public final class TovaPolicy implements KvPolicy {

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("tova", "TOVA",
            "TOVA (Oren et al.), arXiv 2401.06104",
            "Fixed-size cache: whenever it is over budget, drops the entry the newest query attends to least "
                    + "(attention averaged over the layer's heads); at the end of prefill and after every step.",
            false, false, List.of(
                    PolicyOption.choice("selection", "layer", List.of("layer", "head"),
                            "layer (default, kvpress and the paper's preference): one index set per layer from the "
                                    + "mean over all query heads; head: per KV head from its group's mean"),
                    PolicyOption.choice("keep-last", "false", List.of("false", "true"),
                            "true always keeps the newest entry (kvpress); false (default) protects nothing, "
                                    + "as the paper")));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new TovaPolicy(budget, options);
        }
    };

    private final PolicyOptions options;
    private final Budget budget;
    private final boolean perHead;
    private final boolean keepLast;

    private int entries;
    private int promptLength;
    private int kvHeads;
    private int group;
    /** Per selection unit (layer, or layer x KV head): the newest query's attention summed over its heads. */
    private float[][] rows;
    private int[] keep = new int[0];
    private final AttentionListener listener = new AttentionListener() {
        @Override
        public boolean wants(int layer, int position) {
            return position >= promptLength - 1; // at prefill only the last prompt token's row counts
        }

        @Override
        public void onAttention(HeadAttention a) {
            addRow(a);
        }
    };

    private TovaPolicy(Budget budget, PolicyOptions options) {
        this.options = options;
        this.budget = budget;
        this.perHead = options.string("selection").equals("head");
        this.keepLast = options.flag("keep-last");
        if (keepLast && !budget.isFraction() && budget.entriesPerHead() < 2) {
            throw new IllegalArgumentException("tova: keep-last needs a budget of at least 2 entries per KV head");
        }
    }

    public static TovaPolicy create(Budget budget) {
        return new TovaPolicy(budget, PolicyOptions.defaults(DESCRIPTOR.id(), DESCRIPTOR.options()));
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

    @Override
    public AttentionListener beginPrefill(PolicyContext context, int n) {
        ModelConfig c = context.config();
        promptLength = n;
        entries = Math.max(keepLast ? 2 : 1, budget.entriesFor(n));
        kvHeads = c.kvHeads();
        group = c.groupSize();
        rows = new float[perHead ? c.layers() * kvHeads : c.layers()][n + 1];
        return listener;
    }

    @Override
    public AttentionListener beginStep(PolicyContext context, int position) {
        return listener;
    }

    /** Adds one query head's row into its unit's sum; the first head of a unit overwrites. */
    private void addRow(HeadAttention a) {
        int unit = perHead ? a.layer() * kvHeads + a.kvHead() : a.layer();
        boolean first = perHead ? a.head() == a.kvHead() * group : a.head() == 0;
        int m = a.entries();
        float[] row = rows[unit];
        if (row.length < m) {
            row = Arrays.copyOf(row, m + m / 4 + 16);
            rows[unit] = row;
        }
        float[] w = a.weights();
        if (first) {
            System.arraycopy(w, 0, row, 0, m);
        } else {
            for (int j = 0; j < m; j++) {
                row[j] += w[j];
            }
        }
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        evict(editor);
    }

    @Override
    public void endStep(PolicyContext context, int position, CacheEditor editor) {
        evict(editor);
    }

    /** Brings every unit back to the budget using the newest query's scores. */
    private void evict(CacheEditor editor) {
        for (int unit = 0; unit < rows.length; unit++) {
            int layer = perHead ? unit / kvHeads : unit;
            int firstHead = perHead ? unit % kvHeads : 0;
            int m = editor.store(layer, firstHead).size();
            if (m <= entries) {
                continue;
            }
            // The sum over heads ranks exactly like the mean (a positive factor keeps the order).
            float[] row = rows[unit];
            int[] kept;
            if (m == entries + 1) {
                int drop = LeastRanked.index(row, 0, m, keepLast ? m - 1 : m, m);
                if (keep.length != entries) {
                    keep = new int[entries];
                }
                kept = LeastRanked.allBut(m, drop, keep);
            } else {
                if (keepLast) { // the newest stays; the best entries - 1 of the others join it
                    kept = Ranking.union(Ranking.top(Arrays.copyOf(row, m - 1), null, entries - 1), new int[] {m - 1});
                } else {
                    kept = Ranking.top(Arrays.copyOf(row, m), null, entries);
                }
            }
            for (int g = firstHead; g < (perHead ? firstHead + 1 : kvHeads); g++) {
                editor.retain(layer, g, kept, entries);
            }
        }
    }
}
