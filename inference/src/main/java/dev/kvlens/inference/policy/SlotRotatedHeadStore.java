package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.kernels.VectorOps;
import java.util.Arrays;
import java.util.Objects;

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
    private float[] keys;
    private float[] values;
    private int[] positions;
    private int size;

    SlotRotatedHeadStore(int headDim, int capacity, SlotRotations rotations) {
        this.headDim = headDim;
        this.rotations = rotations;
        int c = Math.max(1, capacity);
        this.keys = new float[Math.multiplyExact(c, headDim)];
        this.values = new float[Math.multiplyExact(c, headDim)];
        this.positions = new int[c];
    }

    @Override
    public int headDim() {
        return headDim;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int position(int i) {
        return positions[Objects.checkIndex(i, size)];
    }

    /** Appends a key that RoPE rotated at slot {@code size()} (the engine's shifted position). */
    @Override
    public void append(int position, float[] key, int keyOffset, float[] value, int valueOffset) {
        appendRotatedAt(position, key, keyOffset, size, value, valueOffset);
    }

    /** Appends a key that RoPE rotated at {@code slot}; it is held rotated back to no rotation. */
    void appendRotatedAt(int position, float[] key, int keyOffset, int slot, float[] value, int valueOffset) {
        if (size > 0 && position <= positions[size - 1]) {
            throw new IllegalArgumentException(
                    "position " + position + " is not after the last held position " + positions[size - 1]);
        }
        if (size == positions.length) {
            int capacity = Math.addExact(size, size / 4 + 16);
            keys = Arrays.copyOf(keys, Math.multiplyExact(capacity, headDim));
            values = Arrays.copyOf(values, Math.multiplyExact(capacity, headDim));
            positions = Arrays.copyOf(positions, capacity);
        }
        rotations.ensure(Math.max(slot, size) + 1);
        System.arraycopy(key, keyOffset, keys, size * headDim, headDim);
        rotations.inverse(slot).apply(keys, size * headDim, 1);
        System.arraycopy(value, valueOffset, values, size * headDim, headDim);
        positions[size++] = position;
    }

    @Override
    public void scores(float[] query, int queryOffset, float scale, float[] out) {
        float[] key = new float[headDim]; // per call, not per entry: several query heads read one store at once
        for (int i = 0; i < size; i++) {
            System.arraycopy(keys, i * headDim, key, 0, headDim);
            rotations.forward(i).apply(key, 0, 1);
            out[i] = scale * VectorOps.dot(query, queryOffset, key, 0, headDim);
        }
    }

    @Override
    public void accumulate(float[] weights, float[] out, int outOffset) {
        for (int i = 0; i < size; i++) {
            VectorOps.axpy(out, outOffset, weights[i], values, i * headDim, headDim);
        }
    }

    /** The key as attention uses it: rotated into its slot {@code i}. */
    @Override
    public void readKey(int i, float[] dst, int offset) {
        System.arraycopy(keys, Objects.checkIndex(i, size) * headDim, dst, offset, headDim);
        rotations.forward(i).apply(dst, offset, 1);
    }

    @Override
    public void readValue(int i, float[] dst, int offset) {
        System.arraycopy(values, Objects.checkIndex(i, size) * headDim, dst, offset, headDim);
    }

    @Override
    public void retain(int[] indices) {
        int previous = -1;
        for (int index : indices) {
            if (index <= previous || index >= size) {
                throw new IllegalArgumentException("retain indices must be ascending and below " + size
                        + ", got " + Arrays.toString(indices));
            }
            previous = index;
        }
        int kept = indices.length;
        float[] newKeys = new float[Math.max(1, kept) * headDim];
        float[] newValues = new float[Math.max(1, kept) * headDim];
        int[] newPositions = new int[Math.max(1, kept)];
        for (int i = 0; i < kept; i++) {
            System.arraycopy(keys, indices[i] * headDim, newKeys, i * headDim, headDim);
            System.arraycopy(values, indices[i] * headDim, newValues, i * headDim, headDim);
            newPositions[i] = positions[indices[i]];
        }
        keys = newKeys;
        values = newValues;
        positions = newPositions;
        size = kept;
    }

    @Override
    public void trimToSize() {
        int capacity = Math.max(1, size);
        if (capacity != positions.length) {
            keys = Arrays.copyOf(keys, capacity * headDim);
            values = Arrays.copyOf(values, capacity * headDim);
            positions = Arrays.copyOf(positions, capacity);
        }
    }

    @Override
    public long bytes() {
        return (long) keys.length * Float.BYTES + (long) values.length * Float.BYTES
                + (long) positions.length * Integer.BYTES;
    }
}
