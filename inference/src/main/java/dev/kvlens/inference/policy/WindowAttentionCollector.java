package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;

/**
 * Observes a prompt's observation window during prefill (SnapKV family, POLICIES.md 5): for the
 * last {@code w} prompt positions and every (layer, query head) it adds up the attention weights
 * each prefix position {@code j} received, so that {@code windowSum(l, h)[j] = sum_{i=n-w}^{n-1} a[l][h][i][j]}
 * (causal: row {@code i} only reaches keys {@code 0..i}, the rest of its row adds nothing).
 * <p>
 * Memory is {@code O(L * H * n)}: rows are folded into the sums as they arrive instead of being
 * kept. Only the window's rows of wanted layers are handed over ({@link #wants}), so the forward
 * pass does no extra work for the other {@code n - w} positions. Optionally the window's
 * post-RoPE queries are copied too (ThinK scores key channels with them).
 */
public final class WindowAttentionCollector implements AttentionListener {

    private final int promptLength;
    private final int windowStart;
    private final int heads;
    private final int headDim;
    private final boolean[] layerWanted;
    private final double[][][] sums;
    private final int[][] rows;
    private final float[][][] queries;

    /**
     * @param layers       the model's layers
     * @param heads        query heads per layer
     * @param headDim      width of one query
     * @param promptLength n, the prompt's length
     * @param window       w; clipped to n
     * @param keepQueries  also copy the window's post-RoPE queries
     * @param layerWanted  which layers to observe, or null for all
     */
    public WindowAttentionCollector(int layers, int heads, int headDim, int promptLength, int window,
                                    boolean keepQueries, boolean[] layerWanted) {
        if (layers < 1 || heads < 1 || headDim < 1 || promptLength < 1 || window < 1) {
            throw new IllegalArgumentException("collector needs positive sizes: layers " + layers + ", heads " + heads
                    + ", head size " + headDim + ", prompt " + promptLength + ", window " + window);
        }
        if (layerWanted != null && layerWanted.length != layers) {
            throw new IllegalArgumentException("layer filter has " + layerWanted.length + " entries for " + layers + " layers");
        }
        this.promptLength = promptLength;
        this.windowStart = Math.max(0, promptLength - window);
        this.heads = heads;
        this.headDim = headDim;
        this.layerWanted = layerWanted == null ? filled(layers) : layerWanted.clone();
        this.sums = new double[layers][][];
        this.rows = new int[layers][heads];
        this.queries = keepQueries ? new float[layers][][] : null;
        for (int l = 0; l < layers; l++) {
            if (this.layerWanted[l]) {
                sums[l] = new double[heads][promptLength];
                if (keepQueries) {
                    queries[l] = new float[heads][Math.multiplyExact(windowRows(), headDim)];
                }
            }
        }
    }

    private static boolean[] filled(int layers) {
        boolean[] all = new boolean[layers];
        java.util.Arrays.fill(all, true);
        return all;
    }

    @Override
    public boolean wants(int layer, int position) {
        return position >= windowStart && position < promptLength && layer >= 0 && layer < layerWanted.length
                && layerWanted[layer];
    }

    @Override
    public void onAttention(HeadAttention a) {
        double[] sum = sums[a.layer()][a.head()];
        float[] weights = a.weights();
        int entries = a.entries();
        KvHeadStore store = a.cache();
        // A prefill on an empty cache holds positions 0..i densely: index = position, no lookups.
        boolean dense = entries == 0 || (store.position(0) == 0 && store.position(entries - 1) == entries - 1);
        for (int i = 0; i < entries; i++) {
            int j = dense ? i : store.position(i);
            if (j >= 0 && j < promptLength) {
                sum[j] += weights[i];
            }
        }
        int row = a.position() - windowStart;
        if (queries != null) {
            System.arraycopy(a.query(), a.queryOffset(), queries[a.layer()][a.head()], row * headDim, headDim);
        }
        rows[a.layer()][a.head()]++;
    }

    /** n. */
    public int promptLength() {
        return promptLength;
    }

    /** First window position, {@code max(0, n - w)}. */
    public int windowStart() {
        return windowStart;
    }

    /** Number of window rows, {@code min(w, n)}. */
    public int windowRows() {
        return promptLength - windowStart;
    }

    /** Whether {@code layer} was observed. */
    public boolean observed(int layer) {
        return layerWanted[layer];
    }

    /** Rows received so far for (layer, head); {@link #windowRows()} once the prompt has run. */
    public int rowsReceived(int layer, int head) {
        return rows[layer][head];
    }

    /**
     * The summed window attention of (layer, query head) on positions {@code 0..n-1} (live array:
     * do not modify).
     */
    public double[] windowSum(int layer, int head) {
        double[][] layerSums = sums[layer];
        if (layerSums == null) {
            throw new IllegalStateException("layer " + layer + " was not observed");
        }
        return layerSums[head];
    }

    /**
     * The window's post-RoPE queries of (layer, query head): {@link #windowRows()} rows of
     * {@code headDim}, row {@code r} for position {@code windowStart() + r}.
     */
    public float[] windowQueries(int layer, int head) {
        if (queries == null || queries[layer] == null) {
            throw new IllegalStateException("queries of layer " + layer + " were not kept");
        }
        return queries[layer][head];
    }

    /** Query heads per layer. */
    public int heads() {
        return heads;
    }

    /** Bytes held by the sums and queries (bookkeeping while the prompt runs). */
    public long bytes() {
        long total = 0;
        for (int l = 0; l < sums.length; l++) {
            if (sums[l] != null) {
                total += (long) heads * promptLength * Double.BYTES;
                if (queries != null) {
                    total += (long) heads * windowRows() * headDim * Float.BYTES;
                }
            }
        }
        return total;
    }
}
