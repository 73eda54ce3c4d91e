package dev.kvlens.inference.cli;

/**
 * One line of a {@code run --trace}: a policy's eviction decision on one (layer, KV head).
 *
 * @param type    always "compression"
 * @param step    position of the token whose processing ended when the decision was made
 *                (n−1 for a decision at the end of the prompt)
 * @param layer   layer index
 * @param kvHead  KV head index
 * @param budget  entries the policy allowed this head, null when unbounded
 * @param kept    original positions held after the decision, ascending
 * @param evicted original positions removed, ascending
 */
record TraceCompression(String type, int step, int layer, int kvHead, Integer budget, int[] kept, int[] evicted) {

    TraceCompression(int step, int layer, int kvHead, Integer budget, int[] kept, int[] evicted) {
        this("compression", step, layer, kvHead, budget, kept, evicted);
    }
}
