package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.ModelConfig;
import java.util.Arrays;
import java.util.List;

/**
 * CORM, first version (POLICIES.md 15.1, a recalled method): adjacent queries look alike, so a key
 * that the last {@code w} queries all ignored will likely stay useless. Per (layer, KV head):
 * <ul>
 *   <li>a key {@code j} is "minor" for query {@code i} when its attention is below uniform,
 *       {@code a[i][j] < 1/t_i} with {@code t_i} the entries query {@code i} saw; attention is reduced
 *       over the KV group by MEAN (compared as {@code sum_h a[h][i][j] < G/t_i});</li>
 *   <li>each key carries a counter of consecutive minor queries (equivalent to "minor for all of the
 *       last {@code w}" and cheaper than a {@code w x m} ring of rows); any query that does not find it
 *       minor resets it;</li>
 *   <li>a key whose counter reached {@code w} is evicted, unless it is one of the {@code r} most
 *       recent entries, which are always kept.</li>
 * </ul>
 * Prompt queries count as observations (option {@code observe-prompt}), so keys can already go at
 * the end of prefill; then the rule runs after every decoding step. There is no budget: the size
 * adapts to the input, and {@link RealisedKeepFraction} reports what it reached. Defaults
 * {@code w = r = 256} are KV Lens's choice (the paper's are not known here).
 */
public final class CormPolicy implements KvPolicy {

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("corm", "CORM-like",
            "CORM (Dai et al.), arXiv 2404.15949",
            "Budget-free: keeps the r most recent entries and evicts an older key once its attention was below "
                    + "uniform (1/t) for each of the last w queries; after prefill and every step.",
            true, false, List.of(
                    PolicyOption.number("window", "256", "w: consecutive below-uniform queries before a key is evicted "
                            + "(KV Lens's choice; the paper's default is not known here)"),
                    PolicyOption.number("recent", "256", "r: most recent entries always kept (KV Lens's choice)"),
                    PolicyOption.choice("observe-prompt", "true", List.of("true", "false"),
                            "true (default): prompt queries count towards the w observations, so eviction can "
                                    + "start at the end of prefill; false: only generated queries count")));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new CormPolicy(options);
        }
    };

    private final PolicyOptions options;
    private final int window;
    private final int recent;
    private final boolean observePrompt;

    private int group;
    /** Consecutive minor queries per (layer, KV head) entry, indexed like the store. */
    private int[][][] counters;
    private int[][] sizes;
    /** Per layer: the group's summed attention row for the KV head being observed. */
    private float[][] groupRows;
    private final AttentionListener listener = new AttentionListener() {
        @Override
        public void onAttention(HeadAttention a) {
            observe(a);
        }
    };

    private CormPolicy(PolicyOptions options) {
        this.options = options;
        this.window = options.integer("window");
        this.recent = options.integer("recent");
        this.observePrompt = options.flag("observe-prompt");
        if (window < 1 || recent < 0) {
            throw new IllegalArgumentException("corm: window must be at least 1 and recent at least 0, got window "
                    + window + ", recent " + recent);
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

    /** Budget-free: the realised size is reported instead ({@link RealisedKeepFraction}). */
    @Override
    public Budget budget() {
        return Budget.UNLIMITED;
    }

    @Override
    public AttentionListener beginPrefill(PolicyContext context, int promptLength) {
        ModelConfig c = context.config();
        group = c.groupSize();
        counters = new int[c.layers()][c.kvHeads()][promptLength + 1];
        sizes = new int[c.layers()][c.kvHeads()];
        groupRows = new float[c.layers()][promptLength + 1];
        return observePrompt ? listener : null;
    }

    @Override
    public AttentionListener beginStep(PolicyContext context, int position) {
        return listener;
    }

    /** Folds one query head into its group's row; on the group's last head, updates the counters. */
    private void observe(HeadAttention a) {
        int l = a.layer();
        int g = a.kvHead();
        int m = a.entries();
        float[] row = groupRows[l];
        if (row.length < m) {
            row = Arrays.copyOf(row, m + m / 4 + 16);
            groupRows[l] = row;
        }
        float[] w = a.weights();
        int member = a.head() - g * group;
        if (member == 0) {
            System.arraycopy(w, 0, row, 0, m);
        } else {
            for (int j = 0; j < m; j++) {
                row[j] += w[j];
            }
        }
        if (member != group - 1) {
            return;
        }
        int[] count = counters[l][g];
        if (count.length < m) {
            count = Arrays.copyOf(count, m + m / 4 + 16);
            counters[l][g] = count;
        }
        if (sizes[l][g] < m) {
            Arrays.fill(count, sizes[l][g], m, 0); // keys new to this query start unobserved
            sizes[l][g] = m;
        }
        // mean over the group < 1/t  <=>  sum over the group < G/t
        float threshold = (float) group / m;
        for (int j = 0; j < m; j++) {
            count[j] = row[j] < threshold ? count[j] + 1 : 0;
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

    private void evict(CacheEditor editor) {
        for (int l = 0; l < counters.length; l++) {
            for (int g = 0; g < counters[l].length; g++) {
                KvHeadStore store = editor.store(l, g);
                int m = store.size();
                int[] count = counters[l][g];
                if (sizes[l][g] < m) { // not observed (observe-prompt=false): start counting from zero
                    if (count.length < m) {
                        count = Arrays.copyOf(count, m + m / 4 + 16);
                        counters[l][g] = count;
                    }
                    Arrays.fill(count, sizes[l][g], m, 0);
                    sizes[l][g] = m;
                }
                int older = Math.max(0, m - recent);
                int dropped = 0;
                for (int j = 0; j < older; j++) {
                    if (count[j] >= window) {
                        dropped++;
                    }
                }
                if (dropped == 0) {
                    continue;
                }
                int[] kept = new int[m - dropped];
                int k = 0;
                for (int j = 0; j < m; j++) {
                    if (j >= older || count[j] < window) {
                        count[k] = count[j]; // compact the counters with the cache (k <= j)
                        kept[k++] = j;
                    }
                }
                editor.retain(l, g, kept, Integer.MAX_VALUE);
                sizes[l][g] = k;
            }
        }
    }

    /** Four bytes of counter per kept entry per KV head. */
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
        return entries * Integer.BYTES;
    }
}
