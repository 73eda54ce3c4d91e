package dev.kvlens.inference.session.event;

/**
 * A policy evicted entries from one (layer, KV head).
 *
 * @param lane      lane index
 * @param step      position whose processing ended when the decision was made
 * @param layer     layer
 * @param kvHead    KV head
 * @param evicted   original positions removed, ascending
 * @param keptCount entries held afterwards
 * @param budget    entries allowed (Integer.MAX_VALUE when unbounded)
 */
public record CacheDecision(int lane, int step, int layer, int kvHead, int[] evicted, int keptCount, int budget)
        implements SessionEvent {
}
