package dev.kvlens.inference.policy;

/**
 * One compression decision: which positions left one (layer, KV head), and what stayed.
 *
 * @param step      the position of the token whose processing ended when the decision was made
 * @param layer     layer index
 * @param kvHead    KV head index
 * @param evicted   original positions removed, ascending
 * @param keptCount entries held after the decision
 * @param budget    entries the policy allowed this head (Integer.MAX_VALUE when unbounded)
 */
public record EvictionRecord(int step, int layer, int kvHead, int[] evicted, int keptCount, int budget) {
}
