package dev.kvlens.inference.cache;

/**
 * A model's KV cache: one {@link KvHeadStore} per (layer, KV head). Stores of one cache may hold
 * different numbers of entries; that is what compression policies change.
 */
public interface KvCache {

    int layers();

    int kvHeads();

    int headDim();

    KvHeadStore head(int layer, int kvHead);

    /** Bytes held by every store together. */
    default long bytes() {
        long total = 0;
        for (int l = 0; l < layers(); l++) {
            for (int h = 0; h < kvHeads(); h++) {
                total += head(l, h).bytes();
            }
        }
        return total;
    }

    /** Entries held by the store with the most entries (bounds the attention scratch space). */
    default int maxEntries() {
        int max = 0;
        for (int l = 0; l < layers(); l++) {
            for (int h = 0; h < kvHeads(); h++) {
                max = Math.max(max, head(l, h).size());
            }
        }
        return max;
    }
}
