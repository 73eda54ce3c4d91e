package dev.kvlens.viewer;

import dev.kvlens.inference.session.HeadRef;
import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.BudgetPlan;
import dev.kvlens.inference.session.event.CacheDecision;
import dev.kvlens.inference.session.event.LaneInfo;
import dev.kvlens.inference.session.event.LaneRebuilt;
import dev.kvlens.inference.session.event.MemorySample;
import dev.kvlens.inference.session.event.ModelInfo;
import dev.kvlens.inference.session.event.QualitySample;
import dev.kvlens.inference.session.event.SessionEnded;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.SessionRewound;
import dev.kvlens.inference.session.event.SessionStarted;
import dev.kvlens.inference.session.event.TokenStep;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyLongProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.value.ChangeListener;

/**
 * The views' state of one session, built from its events. It is confined to the FX thread: events
 * from the session's threads reach it through {@link SessionFeed}, which hands them over in batches
 * ({@link #apply(List)}), after which {@link #revisionProperty()} moves once and views repaint.
 *
 * <p>Memory bound: per lane, what {@link LaneState} states (newest frames per head, one int per
 * (layer, KV head, position) for evictions, one row per step of samples, one string per token), plus
 * the frame history of the tracked heads (the selected head in every lane, and pinned heads): at
 * most {@code maxHistoryValues} weights in total (8 bytes each with their positions, default
 * {@value #DEFAULT_MAX_HISTORY_VALUES}, i.e. 32 MiB); when a new frame would pass it, the oldest
 * rows of the largest history go first. Untracked heads keep no history at all.
 */
public final class SessionViewModel {

    /** Default bound on history weights (4 Mi values = 32 MiB with positions). */
    public static final long DEFAULT_MAX_HISTORY_VALUES = 4L << 20;

    private record HistoryKey(int lane, int layer, int head) {
    }

    private final long maxHistoryValues;
    private final ViewSelection selection;
    private final ObjectProperty<SessionStarted> session = new SimpleObjectProperty<>(this, "session");
    private final LongProperty revision = new SimpleLongProperty(this, "revision");
    private final List<LaneState> lanes = new ArrayList<>();
    private final Set<HeadRef> pinned = new LinkedHashSet<>();
    private final Map<HistoryKey, TreeMap<Integer, AttentionFrame>> history = new HashMap<>();
    private long historyValues;
    private SessionEnded ended;
    private long eventsApplied;

    public SessionViewModel() {
        this(new ViewSelection(), DEFAULT_MAX_HISTORY_VALUES);
    }

    public SessionViewModel(ViewSelection selection, long maxHistoryValues) {
        if (maxHistoryValues < 1) {
            throw new IllegalArgumentException("history bound must be >= 1 value, got " + maxHistoryValues);
        }
        this.selection = selection;
        this.maxHistoryValues = maxHistoryValues;
        ChangeListener<Number> dropUntracked = (obs, a, b) -> dropUntrackedHistory();
        selection.layerProperty().addListener(dropUntracked);
        selection.headProperty().addListener(dropUntracked);
    }

    public ViewSelection selection() {
        return selection;
    }

    /** The session's opening event (model facts, lanes, prompt), or null before one arrived. */
    public ReadOnlyObjectProperty<SessionStarted> sessionProperty() {
        return session;
    }

    public SessionStarted session() {
        return session.get();
    }

    /** The model's facts, or null before a session started. */
    public ModelInfo model() {
        SessionStarted s = session.get();
        return s == null ? null : s.model();
    }

    /** Moves once per applied batch; views listen to it to repaint. */
    public ReadOnlyLongProperty revisionProperty() {
        return revision;
    }

    public List<LaneState> lanes() {
        return Collections.unmodifiableList(lanes);
    }

    /** Lane {@code index}, or null when there is no such lane. */
    public LaneState lane(int index) {
        return index >= 0 && index < lanes.size() ? lanes.get(index) : null;
    }

    public SessionEnded ended() {
        return ended;
    }

    public long eventsApplied() {
        return eventsApplied;
    }

    /** KV head that query head {@code head} reads (grouped-query attention). */
    public int kvHeadOf(int head) {
        ModelInfo m = model();
        if (m == null || m.kvHeads() <= 0 || m.heads() < m.kvHeads()) {
            return 0;
        }
        return head / (m.heads() / m.kvHeads());
    }

    /** Heads whose history is kept besides the selected one (e.g. a comparison pinned to a head). */
    public void pin(HeadRef head) {
        pinned.add(head);
    }

    public void unpin(HeadRef head) {
        pinned.remove(head);
        dropUntrackedHistory();
    }

    /** The heads whose frames are kept over steps: the selected head and the pinned ones. */
    public Set<HeadRef> trackedHeads() {
        Set<HeadRef> s = new LinkedHashSet<>(pinned);
        s.add(new HeadRef(Math.max(0, selection.layer()), Math.max(0, selection.head())));
        return s;
    }

    /** Whether a head is tracked, without building the {@link #trackedHeads()} set (asked once per frame). */
    private boolean tracks(int layer, int head) {
        if (layer == Math.max(0, selection.layer()) && head == Math.max(0, selection.head())) {
            return true;
        }
        return !pinned.isEmpty() && pinned.contains(new HeadRef(layer, head));
    }

    /**
     * Frames of one tracked head by step, oldest first: full resolution where it arrived, else binned.
     * Steps whose frame was coalesced away on the way have no entry. Empty for untracked heads.
     */
    public NavigableMap<Integer, AttentionFrame> history(int lane, int layer, int head) {
        TreeMap<Integer, AttentionFrame> h = history.get(new HistoryKey(lane, layer, head));
        return h == null ? Collections.emptyNavigableMap() : Collections.unmodifiableNavigableMap(h);
    }

    /** Weights held in frame histories now (bounded by the constructor's maxHistoryValues). */
    public long historyValues() {
        return historyValues;
    }

    /** An estimate of the heap this model holds, in bytes (the bound the tests check). */
    public long estimatedBytes() {
        long b = 8 * historyValues + 96L * history.values().stream().mapToLong(TreeMap::size).sum();
        for (LaneState l : lanes) {
            b += l.bytes();
        }
        return b;
    }

    /** Applies events in order; FX thread (or any single thread that owns this model). */
    public void apply(List<? extends SessionEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        for (SessionEvent e : events) {
            applyOne(e);
        }
        eventsApplied += events.size();
        revision.set(revision.get() + 1);
    }

    /** Convenience for one event. */
    public void apply(SessionEvent event) {
        apply(List.of(event));
    }

    private void applyOne(SessionEvent e) {
        switch (e) {
            case SessionStarted s -> start(s);
            case SessionEnded s -> ended = s;
            case SessionRewound r -> {
                for (LaneState l : lanes) {
                    l.rewind(r.position());
                }
                truncateHistory(-1, r.position());
                ended = null;
            }
            case LaneRebuilt r -> {
                LaneState l = lane(r.lane());
                if (l != null) {
                    l.rewind(r.position());
                    l.reconfigure(r.info(), r.position());
                    truncateHistory(r.lane(), r.position());
                }
            }
            case TokenStep t -> {
                LaneState l = lane(t.lane());
                if (l != null) {
                    l.piece(t.position(), t.text());
                }
            }
            case AttentionFrame f -> frame(f);
            case CacheDecision d -> {
                LaneState l = lane(d.lane());
                if (l != null) {
                    l.decision(d.step(), d.layer(), d.kvHead(), d.evicted(), d.budget());
                }
            }
            case BudgetPlan p -> {
                LaneState l = lane(p.lane());
                if (l != null) {
                    l.plan(p.step(), p.entries());
                }
            }
            case MemorySample m -> {
                LaneState l = lane(m.lane());
                if (l != null) {
                    l.memory(m.step(), m.bytesPerHead(), m.totalBytes(), m.fullCacheBytes());
                }
            }
            case QualitySample q -> {
                LaneState l = lane(q.lane());
                if (l != null) {
                    l.quality(q.step(), q.klToFull(), q.top1Agrees(), q.nll(), q.attentionMassKept(), q.outputError());
                }
            }
        }
    }

    private void start(SessionStarted s) {
        lanes.clear();
        history.clear();
        historyValues = 0;
        ended = null;
        ModelInfo m = s.model();
        for (LaneInfo info : s.lanes()) {
            LaneState l = new LaneState(info.index(), info, m.layers(), m.heads(), m.kvHeads());
            for (int p = 0; p < s.promptPieces().size(); p++) {
                l.piece(p, s.promptPieces().get(p));
            }
            lanes.add(l);
        }
        session.set(s);
    }

    private void frame(AttentionFrame f) {
        LaneState l = lane(f.lane());
        if (l == null) {
            return;
        }
        l.frame(f);
        if (!tracks(f.layer(), f.head())) {
            return;
        }
        HistoryKey key = new HistoryKey(f.lane(), f.layer(), f.head());
        TreeMap<Integer, AttentionFrame> h = history.computeIfAbsent(key, k -> new TreeMap<>());
        AttentionFrame old = h.get(f.step());
        if (old != null && !old.binned() && f.binned()) {
            return; // the full-resolution row is better
        }
        if (old != null) {
            historyValues -= old.weights().length;
        }
        h.put(f.step(), f);
        historyValues += f.weights().length;
        while (historyValues > maxHistoryValues) {
            TreeMap<Integer, AttentionFrame> largest = null;
            for (TreeMap<Integer, AttentionFrame> t : history.values()) {
                if (!t.isEmpty() && (largest == null || t.size() > largest.size())) {
                    largest = t;
                }
            }
            if (largest == null) {
                break;
            }
            historyValues -= largest.pollFirstEntry().getValue().weights().length;
        }
    }

    private void truncateHistory(int lane, int position) {
        for (Map.Entry<HistoryKey, TreeMap<Integer, AttentionFrame>> e : history.entrySet()) {
            if (lane < 0 || e.getKey().lane() == lane) {
                NavigableMap<Integer, AttentionFrame> tail = e.getValue().tailMap(position, true);
                for (AttentionFrame f : tail.values()) {
                    historyValues -= f.weights().length;
                }
                tail.clear();
            }
        }
    }

    private void dropUntrackedHistory() {
        Set<HeadRef> tracked = trackedHeads();
        history.entrySet().removeIf(e -> {
            if (tracked.contains(new HeadRef(e.getKey().layer(), e.getKey().head()))) {
                return false;
            }
            for (AttentionFrame f : e.getValue().values()) {
                historyValues -= f.weights().length;
            }
            return true;
        });
        revision.set(revision.get() + 1);
    }
}
