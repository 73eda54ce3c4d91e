package dev.kvlens.inference.cache;

import dev.kvlens.kernels.VectorOps;
import java.util.Arrays;
import java.util.Objects;

/**
 * A store whose older keys hold only some channels (ThinK, POLICIES.md 9): entries
 * {@code 0..prunedEntries()-1} keep their keys' {@link #keptChannels()} only (T of d numbers); later
 * entries, and every entry appended afterwards, keep whole keys. Values are never pruned.
 * <p>
 * Attention: a pruned entry scores {@code (q restricted to the kept channels) . k_pruned}, a whole
 * entry {@code q . k}; both are scaled by the caller's {@code 1/sqrt(d)} of the full d and the
 * caller's single softmax runs over all of them. That equals a dense store whose pruned entries have
 * zeros in the dropped channels, which is what {@link #readKey} returns for them.
 * <p>
 * Memory ({@link #bytes}), arrays as allocated (exact after {@link #trimToSize}):
 * {@code 4*T*P} pruned keys + {@code 4*d*(m-P)} whole keys + {@code 4*d*m} values + {@code 4*m}
 * positions + {@code 4*T} channel table, for m entries of which P are pruned.
 */
public final class ChannelPrunedHeadStore implements KvHeadStore {

    private static final int MIN_GROWTH = 16;

    private final int headDim;
    private final int[] keptChannels;
    private final float[] queryScratch;
    private int size;
    private int prunedEntries;
    private int[] positions;
    private float[] prunedKeys;
    private float[] wholeKeys;
    private float[] values;

    /**
     * Holds the entries of {@code source}: the first {@code prunedEntries} with keys cut to
     * {@code keptChannels}, the rest whole.
     *
     * @param keptChannels strictly ascending channel indices below {@code source.headDim()}
     */
    public ChannelPrunedHeadStore(DenseHeadStore source, int[] keptChannels, int prunedEntries) {
        this.headDim = source.headDim();
        this.size = source.size();
        if (prunedEntries < 0 || prunedEntries > size) {
            throw new IllegalArgumentException("pruned entries " + prunedEntries + " outside 0.." + size);
        }
        int previous = -1;
        for (int c : keptChannels) {
            if (c <= previous || c >= headDim) {
                throw new IllegalArgumentException("kept channels must be ascending and below " + headDim
                        + ", got " + Arrays.toString(keptChannels));
            }
            previous = c;
        }
        this.keptChannels = keptChannels.clone();
        this.queryScratch = new float[keptChannels.length];
        this.prunedEntries = prunedEntries;
        int kept = keptChannels.length;
        this.positions = new int[size];
        this.prunedKeys = new float[prunedEntries * kept];
        this.wholeKeys = new float[(size - prunedEntries) * headDim];
        this.values = new float[size * headDim];
        float[] key = new float[headDim];
        for (int i = 0; i < size; i++) {
            positions[i] = source.position(i);
            source.readValue(i, values, i * headDim);
            if (i < prunedEntries) {
                source.readKey(i, key, 0);
                for (int j = 0; j < kept; j++) {
                    prunedKeys[i * kept + j] = key[keptChannels[j]];
                }
            } else {
                source.readKey(i, wholeKeys, (i - prunedEntries) * headDim);
            }
        }
    }

    /** The channels pruned keys keep, ascending (a copy). */
    public int[] keptChannels() {
        return keptChannels.clone();
    }

    /** Entries whose keys are pruned (the first ones). */
    public int prunedEntries() {
        return prunedEntries;
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

    @Override
    public void append(int position, float[] key, int keyOffset, float[] value, int valueOffset) {
        if (size > 0 && position <= positions[size - 1]) {
            throw new IllegalArgumentException(
                    "position " + position + " is not after the last held position " + positions[size - 1]);
        }
        if (size == positions.length) {
            int capacity = Math.addExact(size, size / 4 + MIN_GROWTH);
            positions = Arrays.copyOf(positions, capacity);
            values = Arrays.copyOf(values, Math.multiplyExact(capacity, headDim));
            wholeKeys = Arrays.copyOf(wholeKeys, Math.multiplyExact(capacity - prunedEntries, headDim));
        }
        System.arraycopy(key, keyOffset, wholeKeys, (size - prunedEntries) * headDim, headDim);
        System.arraycopy(value, valueOffset, values, size * headDim, headDim);
        positions[size++] = position;
    }

    @Override
    public void scores(float[] query, int queryOffset, float scale, float[] out) {
        int kept = keptChannels.length;
        for (int j = 0; j < kept; j++) {
            queryScratch[j] = query[queryOffset + keptChannels[j]];
        }
        for (int i = 0; i < prunedEntries; i++) {
            out[i] = scale * VectorOps.dot(queryScratch, 0, prunedKeys, i * kept, kept);
        }
        for (int i = prunedEntries; i < size; i++) {
            out[i] = scale * VectorOps.dot(query, queryOffset, wholeKeys, (i - prunedEntries) * headDim, headDim);
        }
    }

    @Override
    public void accumulate(float[] weights, float[] out, int outOffset) {
        for (int i = 0; i < size; i++) {
            VectorOps.axpy(out, outOffset, weights[i], values, i * headDim, headDim);
        }
    }

    /** Key {@code i} as attention uses it: a pruned key has zeros in its dropped channels. */
    @Override
    public void readKey(int i, float[] dst, int offset) {
        Objects.checkIndex(i, size);
        if (i >= prunedEntries) {
            System.arraycopy(wholeKeys, (i - prunedEntries) * headDim, dst, offset, headDim);
            return;
        }
        Arrays.fill(dst, offset, offset + headDim, 0f);
        int kept = keptChannels.length;
        for (int j = 0; j < kept; j++) {
            dst[offset + keptChannels[j]] = prunedKeys[i * kept + j];
        }
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
        int pruned = 0;
        while (pruned < kept && indices[pruned] < prunedEntries) {
            pruned++;
        }
        int width = keptChannels.length;
        int[] newPositions = new int[kept];
        float[] newPruned = new float[pruned * width];
        float[] newWhole = new float[(kept - pruned) * headDim];
        float[] newValues = new float[kept * headDim];
        for (int s = 0; s < kept; s++) {
            int i = indices[s];
            newPositions[s] = positions[i];
            System.arraycopy(values, i * headDim, newValues, s * headDim, headDim);
            if (s < pruned) {
                System.arraycopy(prunedKeys, i * width, newPruned, s * width, width);
            } else {
                System.arraycopy(wholeKeys, (i - prunedEntries) * headDim, newWhole, (s - pruned) * headDim, headDim);
            }
        }
        positions = newPositions;
        prunedKeys = newPruned;
        wholeKeys = newWhole;
        values = newValues;
        prunedEntries = pruned;
        size = kept;
    }

    @Override
    public void trimToSize() {
        positions = Arrays.copyOf(positions, size);
        wholeKeys = Arrays.copyOf(wholeKeys, (size - prunedEntries) * headDim);
        values = Arrays.copyOf(values, size * headDim);
    }

    @Override
    public long bytes() {
        return (long) positions.length * Integer.BYTES + (long) keptChannels.length * Integer.BYTES
                + (long) prunedKeys.length * Float.BYTES + (long) wholeKeys.length * Float.BYTES
                + (long) values.length * Float.BYTES;
    }
}
