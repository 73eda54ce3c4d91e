package dev.kvlens.app;

import dev.kvlens.inference.session.EventQueue;
import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.BudgetPlan;
import dev.kvlens.inference.session.event.CacheDecision;
import dev.kvlens.inference.session.event.LaneInfo;
import dev.kvlens.inference.session.event.LaneRebuilt;
import dev.kvlens.inference.session.event.MemorySample;
import dev.kvlens.inference.session.event.QualitySample;
import dev.kvlens.inference.session.event.SessionEnded;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.SessionRewound;
import dev.kvlens.inference.session.event.SessionStarted;
import dev.kvlens.inference.session.event.TokenStep;
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

    /**
     * The session as it stands now, for the metrics and the report (which read a run as one pass over
     * the positions): what a step back undid is left out, and a lane changed mid-run is named by its
     * current configuration (its earlier steps ran under the old one).
     */
    public List<SessionEvent> asItStands() {
        return asItStands(events);
    }

    static List<SessionEvent> asItStands(List<SessionEvent> log) {
        List<SessionEvent> out = new ArrayList<>(log.size());
        int startedAt = -1;
        for (SessionEvent e : log) {
            switch (e) {
                case SessionRewound r -> out.removeIf(o -> at(o, -1) >= r.position());
                case LaneRebuilt r -> {
                    out.removeIf(o -> o.lane() == r.lane() && at(o, -1) >= r.position());
                    if (startedAt >= 0 && out.get(startedAt) instanceof SessionStarted s && r.lane() < s.lanes().size()) {
                        List<LaneInfo> lanes = new ArrayList<>(s.lanes());
                        lanes.set(r.lane(), r.info());
                        out.set(startedAt, new SessionStarted(s.version(), s.model(), lanes, s.mode(), s.promptTokens(),
                                s.promptPieces()));
                    }
                }
                case SessionEnded end -> {
                    out.removeIf(o -> o instanceof SessionEnded);
                    out.add(end);
                }
                default -> {
                    if (e instanceof SessionStarted && startedAt < 0) {
                        startedAt = out.size();
                    }
                    out.add(e);
                }
            }
        }
        return out;
    }

    /** The position or step an event belongs to; {@code none} for session-wide events. */
    private static int at(SessionEvent e, int none) {
        return switch (e) {
            case TokenStep t -> t.position();
            case QualitySample q -> q.step();
            case MemorySample m -> m.step();
            case CacheDecision d -> d.step();
            case BudgetPlan p -> p.step();
            case AttentionFrame f -> f.step();
            default -> none;
        };
    }
}
