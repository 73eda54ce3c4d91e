package dev.kvlens.app;

import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.LaneRebuilt;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.SessionRewound;
import dev.kvlens.inference.session.event.SessionStarted;
import dev.kvlens.viewer.LaneChartView;
import dev.kvlens.viewer.SessionViewModel;
import dev.kvlens.viewer.ViewSelection;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jfree.chart.fx.ChartCanvas;

/**
 * Feeds every view its own {@link SessionViewModel} (all sharing one {@link ViewSelection}), and only
 * the view on screen at the pace of the screen: a view rebuilds what it shows on every model revision
 * whether shown or not, so one shared model made every hidden view redo its work on every pulse. Here
 * the shown view gets its events at most once per {@link #minInterval frame interval}; hidden views
 * keep theirs pending and catch up in one batch when shown ({@link #catchUp}). Pending frames of a
 * head replace each other where the view keeps no frame history, and a hidden view whose pending
 * events still pass {@link #MAX_PENDING} applies its oldest {@link #CATCH_UP_SLICE} on each pulse
 * until it is back under the bound, so pending memory stays bounded without one long catch-up on the
 * JavaFX thread (50,000 events for the head view at 16 x 32 heads took 74 ms in one batch).
 *
 * <p>JFreeChart-FX redraws a chart synchronously on every change event, and one chart refresh
 * fires dozens (a series per lane and metric, a style per series): while a chart view's model
 * applies a batch its canvas is given zero width, which makes those redraws no-ops, and the one
 * redraw comes when the width is restored.
 */
final class ViewFeeds implements EventSink {

    /** Pending events a hidden view may hold before it catches up anyway. */
    static final int MAX_PENDING = 50_000;

    /** Events a hidden view past {@link #MAX_PENDING} applies per pulse (about 1.5 us each for the head view). */
    static final int CATCH_UP_SLICE = 4_096;

    /** Canvas views follow every pulse (at most 60 a second), never more often (a replay step flushes too). */
    private static final long CANVAS_INTERVAL_NANOS = 15_000_000;

    /** Charts redraw whole (axes, legends, five plots): ten times a second is plenty for a curve. */
    private static final long CHART_INTERVAL_NANOS = 100_000_000;

    /** History bound for models whose view never reads frame history (the minimum the model takes). */
    private static final long NO_HISTORY = 1;

    /** One view's model, its pending events and what applying them cost. */
    private static final class Feed {
        final SessionViewModel model;
        final long minInterval;
        final boolean history;
        final List<SessionEvent> pending = new ArrayList<>();
        /** Where each head's newest pending frame sits in {@link #pending} (lane, layer, head, binned). */
        final Map<Long, Integer> newestFrame = new HashMap<>();
        int live;
        LaneChartView chart;
        long lastApplied;
        long worstNanos;
        long applies;

        Feed(SessionViewModel model, long minInterval, boolean history) {
            this.model = model;
            this.minInterval = minInterval;
            this.history = history;
        }

        /**
         * Queues an event. A view without frame history shows only each head's newest frame, so a
         * newer frame of the same head replaces the pending older one, unless the session moved back
         * in between (a rewind or rebuild forgets frames: then the older one may be what is left).
         */
        void add(SessionEvent e) {
            if (!history && e instanceof AttentionFrame f) {
                long key = (((long) f.lane() * 4096 + f.layer()) * 65536 + f.head()) * 2 + (f.binned() ? 1 : 0);
                Integer old = newestFrame.put(key, pending.size());
                if (old != null) {
                    pending.set(old, null);
                    live--;
                }
            } else if (e instanceof SessionStarted || e instanceof SessionRewound || e instanceof LaneRebuilt) {
                newestFrame.clear();
            }
            pending.add(e);
            live++;
        }

        void clear() {
            pending.clear();
            newestFrame.clear();
            live = 0;
        }
    }

    private final ViewSelection selection = new ViewSelection();
    private final Map<ViewKind, Feed> feeds = new EnumMap<>(ViewKind.class);
    private final Supplier<ViewKind> shown;
    private final int maxPending;
    private final int catchUpSlice;

    /** @param shown the view on screen now */
    ViewFeeds(Supplier<ViewKind> shown) {
        this(shown, MAX_PENDING, CATCH_UP_SLICE);
    }

    /** With other bounds than the window's (tests). */
    ViewFeeds(Supplier<ViewKind> shown, int maxPending, int catchUpSlice) {
        this.shown = shown;
        this.maxPending = maxPending;
        this.catchUpSlice = catchUpSlice;
    }

    ViewSelection selection() {
        return selection;
    }

    /** The model behind one view, created on first use; only views that have one are fed. */
    SessionViewModel model(ViewKind kind) {
        return feeds.computeIfAbsent(kind, k -> {
            boolean chart = k == ViewKind.MEMORY || k == ViewKind.QUALITY;
            boolean history = k == ViewKind.HEAD || k == ViewKind.COMPARE;
            return new Feed(new SessionViewModel(selection, history ? SessionViewModel.DEFAULT_MAX_HISTORY_VALUES
                    : NO_HISTORY), chart ? CHART_INTERVAL_NANOS : CANVAS_INTERVAL_NANOS, history);
        }).model;
    }

    /** Registers a chart view so that its redraws are suspended while its model applies a batch. */
    void chart(ViewKind kind, LaneChartView view) {
        feeds.get(kind).chart = view;
    }

    /** Events waiting for a hidden view. */
    int pending(ViewKind kind) {
        Feed f = feeds.get(kind);
        return f == null ? 0 : f.live;
    }

    /** The longest a view's batch took to apply (its model and the view's rebuild), in nanoseconds. */
    long worstApplyNanos(ViewKind kind) {
        Feed f = feeds.get(kind);
        return f == null ? 0 : f.worstNanos;
    }

    /** Batches applied to a view's model so far. */
    long applies(ViewKind kind) {
        Feed f = feeds.get(kind);
        return f == null ? 0 : f.applies;
    }

    /** Brings a view up to date now (it is being shown or exported). */
    void catchUp(ViewKind kind) {
        Feed f = feeds.get(kind);
        if (f != null) {
            apply(f, System.nanoTime());
        }
    }

    @Override
    public void reset() {
        for (Feed f : feeds.values()) {
            f.clear();
        }
    }

    @Override
    public void accept(SessionEvent event) {
        for (Feed f : feeds.values()) {
            f.add(event);
        }
    }

    @Override
    public void flush() {
        long now = System.nanoTime();
        ViewKind on = shown.get();
        for (Map.Entry<ViewKind, Feed> e : feeds.entrySet()) {
            Feed f = e.getValue();
            if (e.getKey() == on) {
                if (now - f.lastApplied >= f.minInterval) {
                    apply(f, now);
                }
            } else if (f.live > maxPending) {
                applyOldest(f, catchUpSlice);
            }
        }
    }

    private void apply(Feed f, long now) {
        f.lastApplied = now;
        if (f.live == 0) {
            return;
        }
        List<SessionEvent> batch = new ArrayList<>(f.live);
        for (SessionEvent e : f.pending) {
            if (e != null) {
                batch.add(e);
            }
        }
        f.clear();
        applyBatch(f, batch);
    }

    /** Applies the oldest {@code max} pending events; the rest keep waiting, their frame slots shifted. */
    private void applyOldest(Feed f, int max) {
        List<SessionEvent> batch = new ArrayList<>(max);
        int taken = 0;
        while (taken < f.pending.size() && batch.size() < max) {
            SessionEvent e = f.pending.get(taken++);
            if (e != null) {
                batch.add(e);
            }
        }
        int cut = taken;
        f.pending.subList(0, cut).clear();
        f.live -= batch.size();
        f.newestFrame.values().removeIf(index -> index < cut);
        f.newestFrame.replaceAll((key, index) -> index - cut);
        applyBatch(f, batch);
    }

    private void applyBatch(Feed f, List<SessionEvent> batch) {
        long t0 = System.nanoTime();
        ChartCanvas canvas = f.chart == null || f.chart.chartViewer() == null ? null : f.chart.chartViewer().getCanvas();
        double width = canvas == null ? 0 : canvas.getWidth();
        if (canvas != null) {
            canvas.setWidth(0);
        }
        try {
            f.model.apply(batch);
        } finally {
            if (canvas != null) {
                canvas.setWidth(width); // the one redraw
            }
        }
        f.applies++;
        f.worstNanos = Math.max(f.worstNanos, System.nanoTime() - t0);
    }
}
