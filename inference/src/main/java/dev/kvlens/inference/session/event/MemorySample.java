package dev.kvlens.inference.session.event;

/**
 * Bytes a lane's cache holds after a step.
 *
 * @param lane            lane index
 * @param step            position
 * @param bytesPerHead    bytes per layer and KV head, {@code [layer][kvHead]}
 * @param totalBytes      all stores plus the policy's bookkeeping
 * @param fullCacheBytes  what the full-cache reference lane holds at this step, measured like
 *                        {@code totalBytes}
 */
public record MemorySample(int lane, int step, long[][] bytesPerHead, long totalBytes, long fullCacheBytes)
        implements SessionEvent {
}
