package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;

/**
 * Observes a whole prompt during prefill and adds up, per (layer, query head), the attention each
 * key received from every prompt query: {@code columnSums(l, h)[j] = sum_{i=j}^{n-1} a[l][h][i][j]}
 * (the column sums of the causal attention matrix, H2O's prefill score, POLICIES.md 3).
 * <p>
 * Rows are folded in as they arrive (memory {@code L * H * n} doubles, not {@code n^2}); sums run in
 * double so the ranking does not depend on the order in which rows were added. The prompt must
 * start on an empty cache, so store index {@code j} is position {@code j}.
 */
public final class ColumnSumCollector implements AttentionListener {

    private final int promptLength;
    private final int heads;
    private final double[][][] sums;

    /**
     * @param layers       the model's layers
     * @param heads        query heads per layer
     * @param promptLength n, the prompt's length
     */
    public ColumnSumCollector(int layers, int heads, int promptLength) {
        if (layers < 1 || heads < 1 || promptLength < 1) {
            throw new IllegalArgumentException("collector needs positive sizes: layers " + layers + ", heads " + heads
                    + ", prompt " + promptLength);
        }
        this.promptLength = promptLength;
        this.heads = heads;
        this.sums = new double[layers][heads][promptLength];
    }

    @Override
    public boolean wants(int layer, int position) {
        return position < promptLength;
    }

    @Override
    public void onAttention(HeadAttention a) {
        int entries = a.entries();
        if (entries > promptLength) {
            throw new IllegalStateException("prompt attention over " + entries + " entries, more than the "
                    + promptLength + " prompt tokens: the prompt did not start on an empty cache");
        }
        double[] sum = sums[a.layer()][a.head()];
        float[] w = a.weights();
        for (int j = 0; j < entries; j++) {
            sum[j] += w[j];
        }
    }

    /** The column sums of (layer, query head), indexed by position; the caller must not change them. */
    public double[] columnSums(int layer, int head) {
        return sums[layer][head];
    }

    /**
     * The mean over the query heads {@code kvHead*G .. kvHead*G+G-1} of their column sums
     * (POLICIES.md 0.5: H2O reduces its group by mean), as the float scores {@link Ranking} ranks.
     */
    public float[] groupMean(int layer, int kvHead, int group) {
        if (group < 1 || (kvHead + 1) * group > heads) {
            throw new IllegalArgumentException("KV head " + kvHead + " with group " + group + " is outside "
                    + heads + " query heads");
        }
        float[] out = new float[promptLength];
        for (int j = 0; j < promptLength; j++) {
            double acc = 0;
            for (int h = kvHead * group; h < (kvHead + 1) * group; h++) {
                acc += sums[layer][h][j];
            }
            out[j] = (float) (acc / group);
        }
        return out;
    }

    /** Bytes the sums hold while the prompt runs. */
    public long bytes() {
        return (long) sums.length * heads * promptLength * Double.BYTES;
    }
}
