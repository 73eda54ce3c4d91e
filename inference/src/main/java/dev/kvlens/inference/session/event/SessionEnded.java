package dev.kvlens.inference.session.event;

/**
 * The session stopped.
 *
 * @param reason    "eos", "limit", "stopped" or an error message
 * @param positions tokens processed
 */
public record SessionEnded(String reason, int positions) implements SessionEvent {

    @Override
    public int lane() {
        return -1;
    }
}
