package dev.kvlens.inference.session.event;

/**
 * A lane was rebuilt by replaying the tokens so far: its configuration changed mid-run (a live
 * change) or the session stepped back. Views drop what they hold for this lane at positions
 * {@code >= position} and read the new configuration.
 *
 * @param lane     lane index
 * @param position the lane's next position after the replay (tokens replayed = {@code position})
 * @param info     the lane's configuration from now on
 */
public record LaneRebuilt(int lane, int position, LaneInfo info) implements SessionEvent {
}
