package dev.kvlens.inference.cache;

/**
 * The cache entries of one (layer, KV head): a variable number of key/value vectors, each with the
 * original position of the token that produced it, kept in ascending position order. Attention is
 * computed through the store ({@link #scores}, {@link #accumulate}) so that a store which keeps
 * entries in another form (quantised, with pruned key channels) computes with what it really holds.
 */
public interface KvHeadStore {

    /** Width of one key or value vector as the model produces it. */
    int headDim();

    /** Number of entries held. */
    int size();

    /** Original (absolute) position of entry {@code i}; RoPE was applied with this position. */
    int position(int i);

    /** Adds the entry for {@code position}, which must be greater than every position held. */
    void append(int position, float[] key, int keyOffset, float[] value, int valueOffset);

    /** {@code out[i] = scale * (query . key_i)} for every entry {@code i < size()}. */
    void scores(float[] query, int queryOffset, float scale, float[] out);

    /** {@code out[outOffset + d] += sum_i weights[i] * value_i[d]} over every entry. */
    void accumulate(float[] weights, float[] out, int outOffset);

    /** Copies key {@code i} (as used in attention, after RoPE) into {@code dst[offset..]}. */
    void readKey(int i, float[] dst, int offset);

    /** Copies value {@code i} into {@code dst[offset..]}. */
    void readValue(int i, float[] dst, int offset);

    /** Bytes this store holds right now: entry arrays, position table and bookkeeping. */
    long bytes();

    /**
     * Keeps only the entries at {@code indices} (strictly ascending indices into the current
     * entries) and frees the memory of the others: the backing storage shrinks to what is kept.
     */
    void retain(int[] indices);

    /** Releases spare capacity so that {@link #bytes()} counts only the entries held. */
    void trimToSize();
}
