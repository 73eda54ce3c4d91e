package dev.kvlens.inference.policy.profiled;

import java.util.List;

/**
 * KVSharer calibration (POLICIES.md 15.4): which layer reads which earlier layer's cache.
 *
 * @param threshold   cosine similarity of final hidden states the sharing had to keep
 * @param sources     source[l] = the layer whose cache layer l reads, or l itself when it keeps its own
 * @param tried       every pair tried, most dissimilar first, with its similarity and whether it was accepted
 */
public record KvSharerTable(double threshold, int[] sources, List<PairTrial> tried) {

    /** One candidate pair of the calibration. */
    public record PairTrial(int layer, int source, double distance, double similarity, boolean accepted) {
    }
}
