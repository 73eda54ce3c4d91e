package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.DenseHeadStore;
import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.kernels.VectorOps;

/**
 * StreamingLLM's in-cache positions, mode (a) "pos_shift" (POLICIES.md 2): keys are held BEFORE
 * RoPE and rotated by their slot index {@code 0..size-1} whenever attention reads them, so after an
 * eviction every later key simply moves down a slot and relative distances are slot distances.
 * <p>
 * The forward pass hands over keys already rotated: with the policy's RoPE shift, the new key was
 * rotated at its slot, which is the number of entries held before it; {@link #append} rotates it
 * back by that slot. Values are held as they come. Memory is that of a dense store; the rotation
 * tables are shared ({@link SlotRotations}).
 */
final class SlotRotatedHeadStore implements KvHeadStore {

    private final int headDim;
    private final SlotRotations rotations;
    /** The entries, keys held unrotated: storage, eviction and memory are a dense store's. */
    private final DenseHeadStore entries;
    private final float[] scratch;

    SlotRotatedHeadStore(int headDim, int capacity, SlotRotations rotations) {
        this.headDim = headDim;
        this.rotations = rotations;
        this.entries = new DenseHeadStore(headDim, capacity);
        this.scratch = new float[headDim];
    }

    @Override
    public int headDim() {
        return headDim;
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public int position(int i) {
        return entries.position(i);
    }

    /** Appends a key that RoPE rotated at slot {@code size()} (the engine's shifted position). */
    @Override
    public void append(int position, float[] key, int keyOffset, float[] value, int valueOffset) {
        appendRotatedAt(position, key, keyOffset, entries.size(), value, valueOffset);
    }

    /** Appends a key that RoPE rotated at {@code slot}; it is held rotated back to no rotation. */
    void appendRotatedAt(int position, float[] key, int keyOffset, int slot, float[] value,
                         int valueOffset) {
        rotations.ensure(Math.max(slot, entries.size()) + 1);
        System.arraycopy(key, keyOffset, scratch, 0, headDim);
        rotations.inverse(slot).apply(scratch, 0, 1);
        entries.append(position, scratch, 0, value, valueOffset);
    }

    @Override
    public void scores(float[] query, int queryOffset, float scale, float[] out) {
        float[] key = new float[headDim]; // per call, not per entry: several query heads read one store at once
        for (int i = 0; i < entries.size(); i++) {
            readKey(i, key, 0);
            out[i] = scale * VectorOps.dot(query, queryOffset, key, 0, headDim);
        }
    }

    @Override
    public void accumulate(float[] weights, float[] out, int outOffset) {
        entries.accumulate(weights, out, outOffset);
    }

    /** The key as attention uses it: rotated into its slot {@code i}. */
    @Override
    public void readKey(int i, float[] dst, int offset) {
        entries.readKey(i, dst, offset);
        rotations.forward(i).apply(dst, offset, 1);
    }

    @Override
    public void readValue(int i, float[] dst, int offset) {
        entries.readValue(i, dst, offset);
    }

    @Override
    public void retain(int[] indices) {
        entries.retain(indices);
    }

    @Override
    public void trimToSize() {
        entries.trimToSize();
    }

    @Override
    public long bytes() {
        return entries.bytes();
    }
}
