package dev.kvlens.inference.session.event;

/**
 * One head's attention at one step. Full resolution: {@code positions} are the original positions
 * of the entries attended to and {@code weights} their softmax weights. Binned: {@code positions}
 * are the lower edges of {@code bins} equal position bins over {@code [0, step]} and
 * {@code weights} the summed weight per bin.
 *
 * @param lane      lane index
 * @param step      position of the query token
 * @param layer     layer
 * @param head      query head
 * @param binned    whether this is a binned frame
 * @param positions entry positions (full) or bin lower edges (binned)
 * @param weights   weights per entry or per bin
 */
public record AttentionFrame(int lane, int step, int layer, int head, boolean binned, int[] positions,
                             float[] weights) implements SessionEvent {
}
