package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;

/**
 * Copies the post-RoPE queries of the last {@code count} prompt positions of every (layer, query
 * head) as the prompt runs (ThinK's observation queries). Only those positions are handed over.
 */
final class RecentQueryCollector implements AttentionListener {

    private final int start;
    private final int promptLength;
    private final int headDim;
    private final float[][][] queries;

    RecentQueryCollector(int layers, int heads, int headDim, int promptLength, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("observed queries must be at least 1, got " + count);
        }
        this.promptLength = promptLength;
        this.start = Math.max(0, promptLength - count);
        this.headDim = headDim;
        this.queries = new float[layers][heads][Math.multiplyExact(promptLength - start, headDim)];
    }

    @Override
    public boolean wants(int layer, int position) {
        return position >= start && position < promptLength;
    }

    @Override
    public void onAttention(HeadAttention a) {
        System.arraycopy(a.query(), a.queryOffset(), queries[a.layer()][a.head()], (a.position() - start) * headDim,
                headDim);
    }

    /** Rows kept: {@code min(count, n)}. */
    int rows() {
        return promptLength - start;
    }

    /** The queries of (layer, query head), {@link #rows()} rows of headDim (live array). */
    float[] queries(int layer, int head) {
        return queries[layer][head];
    }
}
