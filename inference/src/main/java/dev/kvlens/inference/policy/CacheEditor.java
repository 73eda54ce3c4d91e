package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.KvHeadStore;

/** How a policy changes the cache. Every change is recorded as an {@link EvictionRecord}. */
public interface CacheEditor {

    /**
     * Keeps only the entries at {@code indices} (ascending) of (layer, KV head) and frees the rest.
     *
     * The editor does not keep {@code indices}: a policy may reuse one buffer for every call.
     *
     * @param budget the budget this decision was made under, in entries, for the record
     */
    void retain(int layer, int kvHead, int[] indices, int budget);

    /**
     * Replaces the store of (layer, KV head) by another holding the same positions in another
     * form (quantised, with pruned key channels, shared with another layer...).
     */
    void replace(int layer, int kvHead, KvHeadStore store);

    /** The store of (layer, KV head) as it is now. */
    KvHeadStore store(int layer, int kvHead);
}
