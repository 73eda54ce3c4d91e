package dev.kvlens.inference.policy.profiled;

import java.util.List;

/**
 * KVSharer calibration (POLICIES.md 15.4): which layer reads which earlier layer's cache.
 *
 * @param shareLayers most layers the search was allowed to share (SHARE_LAYERS)
 * @param threshold   cosine similarity of final hidden states the sharing had to exceed (THRESHOLD)
 * @param distance    distance[i][j] for i > j: mean Euclidean distance of the layers' averaged keys and
 *                    values (their mean); 0 where i <= j (unused)
 * @param sources     sources[l] = the layer whose cache layer l reads, or l itself when it keeps its own
 * @param tried       every pair tried, most dissimilar first, with its similarity and whether it was accepted
 * @param texts       the calibration texts (each cut to at most 64 tokens when run)
 */
public record KvSharerTable(int shareLayers, double threshold, double[][] distance, int[] sources,
                            List<PairTrial> tried, List<String> texts) {

    /**
     * One candidate pair of the calibration.
     *
     * @param layer      the layer that would read another's cache (i)
     * @param source     the layer it was paired with (j &lt; i); a chain resolves to j's own source
     * @param distance   D(i, j)
     * @param similarity mean cosine similarity of final hidden states with the sharing tried
     * @param accepted   whether it exceeded the threshold and was kept
     */
    public record PairTrial(int layer, int source, double distance, double similarity, boolean accepted) {
    }
}
