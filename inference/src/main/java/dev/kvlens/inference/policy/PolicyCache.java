package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.DenseHeadStore;
import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.cache.SharedLayerHeadStore;
import java.util.function.Consumer;

/**
 * A cache whose stores a {@link KvPolicy} shrinks. Each (layer, KV head) holds only what the
 * policy kept; {@link #bytes()} counts the stores and the policy's bookkeeping.
 */
public final class PolicyCache implements KvCache, CacheEditor {

    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final KvHeadStore[] stores;
    private final KvPolicy policy;
    private Consumer<EvictionRecord> decisionSink = record -> { };
    private int step = -1;

    public PolicyCache(int layers, int kvHeads, int headDim, KvPolicy policy) {
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.policy = policy;
        this.stores = new KvHeadStore[Math.multiplyExact(layers, kvHeads)];
        for (int i = 0; i < stores.length; i++) {
            stores[i] = new DenseHeadStore(headDim);
        }
    }

    public KvPolicy policy() {
        return policy;
    }

    /** Every decision is handed to {@code sink} as it happens (event streams, traces, tests). */
    public void onDecision(Consumer<EvictionRecord> sink) {
        this.decisionSink = sink;
    }

    /** Sets the step that decisions are attributed to. */
    void step(int position) {
        this.step = position;
    }

    /** Releases spare capacity in every store, so bytes count only what is held. */
    public void trimToSize() {
        for (KvHeadStore s : stores) {
            s.trimToSize();
        }
    }

    @Override
    public int layers() {
        return layers;
    }

    @Override
    public int kvHeads() {
        return kvHeads;
    }

    @Override
    public int headDim() {
        return headDim;
    }

    @Override
    public KvHeadStore head(int layer, int kvHead) {
        return stores[index(layer, kvHead)];
    }

    @Override
    public KvHeadStore store(int layer, int kvHead) {
        return head(layer, kvHead);
    }

    @Override
    public long bytes() {
        return KvCache.super.bytes() + policy.bookkeepingBytes();
    }

    @Override
    public void retain(int layer, int kvHead, int[] indices, int budget) {
        KvHeadStore store = head(layer, kvHead);
        int size = store.size();
        if (indices.length == size || store instanceof SharedLayerHeadStore) {
            // nothing evicted, or a view of another layer's store: decisions are made on the source
            return;
        }
        int[] evicted = new int[size - indices.length];
        int e = 0;
        int k = 0;
        for (int i = 0; i < size; i++) {
            if (k < indices.length && indices[k] == i) {
                k++;
            } else if (e < evicted.length) {
                evicted[e++] = store.position(i);
            }
        }
        store.retain(indices);
        EvictionRecord record = new EvictionRecord(step, layer, kvHead, evicted, store.size(), budget);
        decisionSink.accept(record);
    }

    @Override
    public void replace(int layer, int kvHead, KvHeadStore store) {
        if (store.headDim() != headDim) {
            throw new IllegalArgumentException("store has head size " + store.headDim() + ", cache " + headDim);
        }
        stores[index(layer, kvHead)] = store;
    }

    private int index(int layer, int kvHead) {
        if (layer < 0 || layer >= layers || kvHead < 0 || kvHead >= kvHeads) {
            throw new IndexOutOfBoundsException("layer " + layer + ", KV head " + kvHead);
        }
        return layer * kvHeads + kvHead;
    }
}
