package dev.kvlens.inference.cache;

import java.util.Objects;

/**
 * The store of a layer that reads another (lower) layer's entries instead of holding its own
 * (KVSharer, POLICIES.md 15.4): the sharing layer still computes its own queries but attends over
 * the source layer's keys and values. The view looks the source store up in the cache on every
 * call, so a source store replaced or shrunk by another policy is what the sharing layer sees.
 * <p>
 * Because the forward pass runs a chunk of prompt tokens layer by layer, the source already holds
 * the whole chunk while the sharing layer is still at an earlier token; the view therefore shows
 * only the source entries up to the last position appended to it (causality), and
 * {@link #append} stores nothing but checks that the source holds that position.
 * <p>
 * Eviction rule: decisions are made on source layers. {@link #retain} on the view is a no-op, so a
 * policy that evicts on every layer does not evict the shared entries twice; the source's decision
 * is what both layers keep.
 */
public final class SharedLayerHeadStore implements KvHeadStore {

    /** What the view holds: the source's coordinates and the last position appended (three ints, rounded). */
    public static final long BYTES = 16;

    private final KvCache cache;
    private final int sourceLayer;
    private final int kvHead;
    private int lastPosition = -1;

    public SharedLayerHeadStore(KvCache cache, int sourceLayer, int kvHead) {
        this.cache = Objects.requireNonNull(cache, "cache");
        if (sourceLayer < 0 || sourceLayer >= cache.layers() || kvHead < 0 || kvHead >= cache.kvHeads()) {
            throw new IllegalArgumentException("source layer " + sourceLayer + ", KV head " + kvHead + " outside a cache of "
                    + cache.layers() + " layers x " + cache.kvHeads() + " KV heads");
        }
        this.sourceLayer = sourceLayer;
        this.kvHead = kvHead;
    }

    /** The layer whose entries this view reads. */
    public int sourceLayer() {
        return sourceLayer;
    }

    private KvHeadStore source() {
        KvHeadStore s = cache.head(sourceLayer, kvHead);
        if (s instanceof SharedLayerHeadStore) {
            throw new IllegalStateException("layer " + sourceLayer + " is itself shared: a view must read a layer "
                    + "that keeps its own entries (resolve chains to their first layer)");
        }
        return s;
    }

    @Override
    public int headDim() {
        return source().headDim();
    }

    /** Source entries at positions up to the last one appended here. */
    @Override
    public int size() {
        KvHeadStore s = source();
        int m = s.size();
        if (m == 0 || s.position(m - 1) <= lastPosition) {
            return m;
        }
        int lo = 0;
        int hi = m; // first index whose position is above lastPosition
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (s.position(mid) <= lastPosition) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    @Override
    public int position(int i) {
        return source().position(Objects.checkIndex(i, size()));
    }

    /** Stores nothing: the source layer, which runs first, must already hold {@code position}. */
    @Override
    public void append(int position, float[] key, int keyOffset, float[] value, int valueOffset) {
        if (position <= lastPosition) {
            throw new IllegalArgumentException("position " + position + " is not after the last appended position "
                    + lastPosition);
        }
        if (!holds(source(), position)) {
            throw new IllegalStateException("layer " + sourceLayer + ", KV head " + kvHead + " does not hold position "
                    + position + ": a sharing layer reads a lower layer, which must have appended it first");
        }
        lastPosition = position;
    }

    private static boolean holds(KvHeadStore s, int position) {
        int lo = 0;
        int hi = s.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int p = s.position(mid);
            if (p == position) {
                return true;
            } else if (p < position) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return false;
    }

    @Override
    public void scores(float[] query, int queryOffset, float scale, float[] out) {
        KvHeadStore s = source();
        int visible = size();
        int m = s.size();
        if (visible == m) {
            s.scores(query, queryOffset, scale, out);
            return;
        }
        float[] all = new float[m]; // per call: query heads of one group run on several threads
        s.scores(query, queryOffset, scale, all);
        System.arraycopy(all, 0, out, 0, visible);
    }

    @Override
    public void accumulate(float[] weights, float[] out, int outOffset) {
        KvHeadStore s = source();
        int visible = size();
        int m = s.size();
        if (visible == m) {
            s.accumulate(weights, out, outOffset);
            return;
        }
        float[] padded = new float[m]; // entries past the visible ones weigh nothing
        System.arraycopy(weights, 0, padded, 0, visible);
        s.accumulate(padded, out, outOffset);
    }

    @Override
    public void readKey(int i, float[] dst, int offset) {
        source().readKey(Objects.checkIndex(i, size()), dst, offset);
    }

    @Override
    public void readValue(int i, float[] dst, int offset) {
        source().readValue(Objects.checkIndex(i, size()), dst, offset);
    }

    /** The view's own bookkeeping only: the entries are counted once, in the source's store. */
    @Override
    public long bytes() {
        return BYTES;
    }

    /** No-op: eviction decisions are made on the source layer (see the class comment). */
    @Override
    public void retain(int[] indices) {
    }

    /** Nothing to release: the view holds no entries. */
    @Override
    public void trimToSize() {
    }
}
