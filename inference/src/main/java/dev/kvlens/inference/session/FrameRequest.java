package dev.kvlens.inference.session;

import java.util.Set;

/**
 * The attention frames a subscriber wants: binned frames of every head, and full-resolution
 * frames of the heads it names (in every lane). Full resolution costs 8 bytes per cache entry per
 * frame, which is why it is opt-in per head.
 *
 * @param binned         binned frames for every (lane, layer, head)
 * @param fullResolution heads whose full-resolution frames are wanted
 */
public record FrameRequest(boolean binned, Set<HeadRef> fullResolution) {

    /** No frames at all: decisions, samples and steps only. */
    public static final FrameRequest NONE = new FrameRequest(false, Set.of());

    /** Binned frames of every head. */
    public static final FrameRequest BINNED = new FrameRequest(true, Set.of());

    public FrameRequest {
        fullResolution = Set.copyOf(fullResolution);
    }

    public boolean wantsAny() {
        return binned || !fullResolution.isEmpty();
    }
}
