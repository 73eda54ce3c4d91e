package dev.kvlens.inference.session.event;

/**
 * The session stepped back: every event about positions {@code >= position} is void, and the next
 * token fed will be at {@code position} again. Followed by one {@link LaneRebuilt} per lane.
 *
 * @param position the next position to run
 */
public record SessionRewound(int position) implements SessionEvent {

    @Override
    public int lane() {
        return -1;
    }
}
