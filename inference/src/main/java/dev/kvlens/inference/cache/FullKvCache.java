package dev.kvlens.inference.cache;

/** The uncompressed cache: every entry of every (layer, KV head) kept in full precision. */
public final class FullKvCache implements KvCache {

    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final KvHeadStore[] stores;

    public FullKvCache(int layers, int kvHeads, int headDim) {
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.stores = new KvHeadStore[Math.multiplyExact(layers, kvHeads)];
        for (int i = 0; i < stores.length; i++) {
            stores[i] = new DenseHeadStore(headDim);
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
        return stores[layer * kvHeads + kvHead];
    }
}
