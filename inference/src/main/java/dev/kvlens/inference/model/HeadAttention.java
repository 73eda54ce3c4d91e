package dev.kvlens.inference.model;

import dev.kvlens.inference.cache.KvHeadStore;

/**
 * What one query head did at one position: the arrays are the forward pass's own buffers and are
 * valid only during {@link AttentionListener#onAttention}; copy what you keep.
 *
 * @param layer       layer index
 * @param head        query head index
 * @param kvHead      the KV head it reads (GQA)
 * @param position    absolute position of the query token
 * @param query       the post-RoPE query, at {@code queryOffset}, {@code headDim} long
 * @param queryOffset where the query starts in {@code query}
 * @param weights     softmax weights over the cache entries, {@code entries} long, in the
 *                    store's order (ascending original position)
 * @param entries     number of cache entries attended to
 * @param cache       the store holding the keys, values and positions attended to
 */
public record HeadAttention(int layer, int head, int kvHead, int position, float[] query, int queryOffset,
                            float[] weights, int entries, KvHeadStore cache) {
}
