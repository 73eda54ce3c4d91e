package dev.kvlens.viewer;

import dev.kvlens.inference.session.EventBus;
import dev.kvlens.inference.session.EventQueue;
import dev.kvlens.inference.session.FrameRequest;
import dev.kvlens.inference.session.HeadRef;
import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.SessionEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import javafx.animation.AnimationTimer;
import javafx.application.Platform;
import javafx.beans.value.ChangeListener;

/**
 * Carries a session's events to a {@link SessionViewModel} on the FX thread, once per pulse, in one
 * batch: an {@link AnimationTimer} drains what is pending (the event bus's own coalescing queues,
 * and events handed to {@link #accept} from any thread, e.g. a recording being replayed) and
 * applies it, so the compute thread never waits for the UI and the UI repaints at most once a frame.
 *
 * <p>Connected to an {@link EventBus} it holds two subscriptions: binned frames of every head with all
 * lossless events, and full-resolution frames of the tracked heads only (re-subscribed when the
 * selection changes; its lossless events are dropped as duplicates). At most
 * {@link #MAX_EVENTS_PER_PULSE} events are applied per pulse, so a burst (a long prompt's decisions)
 * spreads over several frames instead of stalling one.
 */
public final class SessionFeed implements AutoCloseable {

    /** Events applied per pulse at most; the rest wait for the next pulse. */
    public static final int MAX_EVENTS_PER_PULSE = 20_000;

    private final SessionViewModel model;
    private final ConcurrentLinkedQueue<SessionEvent> handed = new ConcurrentLinkedQueue<>();
    private final List<SessionEvent> carry = new ArrayList<>();
    private final AnimationTimer timer;
    private final ChangeListener<Number> selectionListener = (obs, a, b) -> resubscribeFrames();
    private EventBus bus;
    private EventQueue main;
    private EventQueue frames;
    private Set<HeadRef> framesFor = Set.of();

    public SessionFeed(SessionViewModel model) {
        this.model = model;
        this.timer = new AnimationTimer() {
            @Override
            public void handle(long now) {
                pump();
            }
        };
        model.selection().layerProperty().addListener(selectionListener);
        model.selection().headProperty().addListener(selectionListener);
        runOnFx(timer::start);
    }

    /** Subscribes to a session's bus (FX thread). A previous bus is let go. */
    public void connect(EventBus newBus) {
        disconnect();
        this.bus = newBus;
        this.main = newBus.subscribe(FrameRequest.BINNED);
        resubscribeFrames();
    }

    /** Stops listening to the bus; pending events already taken are still applied. */
    public void disconnect() {
        if (bus != null) {
            bus.unsubscribe(main);
            if (frames != null) {
                bus.unsubscribe(frames);
            }
        }
        bus = null;
        main = null;
        frames = null;
        framesFor = Set.of();
    }

    /** Hands one event over from any thread (recordings, tests, other sources than a bus). */
    public void accept(SessionEvent event) {
        handed.add(event);
    }

    /** Applies what is pending now (the timer does this every pulse); FX thread. Returns events applied. */
    public int pump() {
        List<SessionEvent> batch = carry.isEmpty() ? new ArrayList<>() : new ArrayList<>(carry);
        carry.clear();
        boolean mainDrained = true;
        if (main != null) {
            SessionEvent e;
            while (batch.size() < MAX_EVENTS_PER_PULSE && (e = main.poll()) != null) {
                batch.add(e);
            }
            mainDrained = main.pendingEvents() == 0 && main.pendingFrameBytes() == 0;
        }
        SessionEvent e;
        while (batch.size() < MAX_EVENTS_PER_PULSE && (e = handed.poll()) != null) {
            batch.add(e);
        }
        // Full-resolution frames go last, and only once the main queue is empty: the session events
        // they belong after (SessionStarted, a rewind) are then already in this batch. Left in their
        // queue meanwhile, they stay coalesced (bounded).
        if (frames != null && mainDrained) {
            for (SessionEvent f : frames.drain()) {
                if (f instanceof AttentionFrame af && !af.binned()) {
                    batch.add(af);
                }
            }
        }
        if (batch.size() > MAX_EVENTS_PER_PULSE) {
            carry.addAll(batch.subList(MAX_EVENTS_PER_PULSE, batch.size()));
            batch = batch.subList(0, MAX_EVENTS_PER_PULSE);
        }
        model.apply(batch);
        return batch.size();
    }

    /** Stops the timer and the subscriptions. */
    @Override
    public void close() {
        model.selection().layerProperty().removeListener(selectionListener);
        model.selection().headProperty().removeListener(selectionListener);
        runOnFx(() -> {
            timer.stop();
            disconnect();
        });
    }

    private void resubscribeFrames() {
        if (bus == null) {
            return;
        }
        Set<HeadRef> want = model.trackedHeads();
        if (want.equals(framesFor)) {
            return;
        }
        EventQueue old = frames;
        frames = bus.subscribe(new FrameRequest(false, want));
        framesFor = want;
        if (old != null) {
            bus.unsubscribe(old);
        }
    }

    private static void runOnFx(Runnable r) {
        if (Platform.isFxApplicationThread()) {
            r.run();
        } else {
            Platform.runLater(r);
        }
    }
}
