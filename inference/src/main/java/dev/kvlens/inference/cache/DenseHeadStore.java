package dev.kvlens.inference.cache;

import dev.kvlens.kernels.VectorOps;
import java.util.Arrays;

/**
 * Full-precision store: keys and values as float arrays, one entry after another. {@link #bytes()} counts the arrays' allocated capacity, since that is what is held.
 */
public final class DenseHeadStore implements KvHeadStore {

    private static final int INITIAL_CAPACITY = 16;

    private final int headDim;
    private float[] keys;
    private float[] values;
    private int[] positions;
    private int size;
    /** Set once entries have been evicted: the store then lives near a budget. */
    private boolean evicting;

    public DenseHeadStore(int headDim) {
        this(headDim, INITIAL_CAPACITY);
    }

    public DenseHeadStore(int headDim, int initialCapacity) {
        if (headDim <= 0 || initialCapacity < 0) {
            throw new IllegalArgumentException("headDim " + headDim + ", capacity " + initialCapacity);
        }
        this.headDim = headDim;
        int capacity = Math.max(1, initialCapacity);
        this.keys = new float[Math.multiplyExact(capacity, headDim)];
        this.values = new float[Math.multiplyExact(capacity, headDim)];
        this.positions = new int[capacity];
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
        return positions[i];
    }

    @Override
    public void append(int position, float[] key, int keyOffset, float[] value, int valueOffset) {
        if (size > 0 && position <= positions[size - 1]) {
            throw new IllegalArgumentException(
                    "position " + position + " is not after the last held position " + positions[size - 1]);
        }
        if (size == positions.length) {
            grow();
        }
        System.arraycopy(key, keyOffset, keys, size * headDim, headDim);
        System.arraycopy(value, valueOffset, values, size * headDim, headDim);
        positions[size++] = position;
    }

    /**
     * Grows by a quarter (plus a little) while the store only fills up. Once a policy has evicted
     * from it, the store sits near its budget, and it grows by about 3% so that the memory held
     * stays close to what is kept.
     */
    private void grow() {
        int increment = evicting ? Math.max(1, size / 32) : size / 4 + 16;
        int capacity = Math.addExact(positions.length, increment);
        keys = Arrays.copyOf(keys, Math.multiplyExact(capacity, headDim));
        values = Arrays.copyOf(values, Math.multiplyExact(capacity, headDim));
        positions = Arrays.copyOf(positions, capacity);
    }

    @Override
    public void scores(float[] query, int queryOffset, float scale, float[] out) {
        for (int i = 0; i < size; i++) {
            out[i] = scale * VectorOps.dot(query, queryOffset, keys, i * headDim, headDim);
        }
    }

    @Override
    public void accumulate(float[] weights, float[] out, int outOffset) {
        for (int i = 0; i < size; i++) {
            VectorOps.axpy(out, outOffset, weights[i], values, i * headDim, headDim);
        }
    }

    @Override
    public void readKey(int i, float[] dst, int offset) {
        System.arraycopy(keys, checkIndex(i) * headDim, dst, offset, headDim);
    }

    @Override
    public void readValue(int i, float[] dst, int offset) {
        System.arraycopy(values, checkIndex(i) * headDim, dst, offset, headDim);
    }

    private int checkIndex(int i) {
        return java.util.Objects.checkIndex(i, size);
    }

    @Override
    public void retain(int[] indices) {
        int previous = -1;
        for (int index : indices) {
            if (index <= previous || index >= size) {
                throw new IllegalArgumentException("retain indices must be ascending and below " + size
                        + ", got " + java.util.Arrays.toString(indices));
            }
            previous = index;
        }
        int kept = indices.length;
        evicting = true;
        if (positions.length - kept <= Math.max(1, kept / 32)) {
            // Steady state of a per-step policy (one in, one out): compact in place, no allocation.
            for (int i = 0; i < kept; i++) {
                int from = indices[i];
                if (from != i) {
                    System.arraycopy(keys, from * headDim, keys, i * headDim, headDim);
                    System.arraycopy(values, from * headDim, values, i * headDim, headDim);
                    positions[i] = positions[from];
                }
            }
            size = kept;
            return;
        }
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
