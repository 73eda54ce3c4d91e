package dev.kvlens.inference.session;

/**
 * One lane's state between steps, copied on the session's worker thread.
 *
 * @param lane          lane index
 * @param config        its configuration
 * @param nextPosition  position of the next token it will read
 * @param tokens        tokens it has read, prompt first
 * @param keptPositions original positions each (layer, KV head) holds: {@code [layer][kvHead][i]}
 * @param logits        its logits after the last token read
 * @param cacheBytes    bytes its cache holds (stores plus policy bookkeeping)
 */
public record LaneSnapshot(int lane, LaneConfig config, int nextPosition, int[] tokens, int[][][] keptPositions,
                           float[] logits, long cacheBytes) {
}
