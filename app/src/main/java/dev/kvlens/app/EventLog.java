package dev.kvlens.app;

import dev.kvlens.inference.session.EventQueue;
import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.SessionEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * Every event of the shown session, for saving a recording, the HTML report and CSV export. Lossless
 * events are all kept; binned frames only up to {@link #FRAME_BYTES_CAP}, so a long run of a large
 * model cannot grow the heap without bound (the recording then holds its charts but fewer heatmaps).
 */
public final class EventLog {

    /** Heap given to kept attention frames. */
    public static final long FRAME_BYTES_CAP = 64L << 20;

    private final List<SessionEvent> events = new ArrayList<>();
    private long frameBytes;
    private boolean framesDropped;

    public void clear() {
        events.clear();
        frameBytes = 0;
        framesDropped = false;
    }

    public void add(SessionEvent e) {
        if (e instanceof AttentionFrame f) {
            if (!f.binned()) {
                return; // full-resolution frames are for the views only
            }
            long bytes = EventQueue.frameBytes(f);
            if (frameBytes + bytes > FRAME_BYTES_CAP) {
                framesDropped = true;
                return;
            }
            frameBytes += bytes;
        }
        events.add(e);
    }

    public List<SessionEvent> events() {
        return List.copyOf(events);
    }

    public boolean isEmpty() {
        return events.isEmpty();
    }

    /** Whether frames were left out to stay under the cap. */
    public boolean framesDropped() {
        return framesDropped;
    }

    /** The events so far as a new list. */
    public List<SessionEvent> snapshot() {
        return new ArrayList<>(events);
    }
}
