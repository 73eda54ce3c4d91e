package dev.kvlens.app;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.session.EventQueue;
import dev.kvlens.inference.session.FrameRequest;
import dev.kvlens.inference.session.HeadRef;
import dev.kvlens.inference.session.LaneConfig;
import dev.kvlens.inference.session.Session;
import dev.kvlens.inference.session.SessionSettings;
import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.SessionEnded;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.SessionRewound;
import dev.kvlens.inference.session.event.SessionStarted;
import dev.kvlens.inference.session.event.TokenStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import javafx.animation.AnimationTimer;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.application.Platform;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.util.Duration;

/**
 * Wires one live {@link Session} to the window. Every session call is asynchronous; events come off the
 * session's queues on the JavaFX thread, a few milliseconds' worth per pulse, so a fast decode never
 * stalls the UI (frames coalesce in the queue instead).
 *
 * <p>Two subscriptions: one for the lossless events and binned frames of every head, one for the
 * full-resolution frames of the heads being looked at. Only the second is replaced when the selection
 * changes, so no lossless event is ever lost or seen twice.
 */
public final class SessionController {

    /** Speed meaning "as fast as the model decodes". */
    public static final double MAX_SPEED = 0;

    /** Time per pulse spent handing events to the views, so a pulse stays well under a frame. */
    private static final long PUMP_BUDGET_NANOS = 6_000_000;

    /** What the transport shows. */
    public enum Phase { IDLE, READY, RUNNING, PAUSED, FINISHED }

    private final List<EventSink> sinks = new ArrayList<>();
    private final EventLog log = new EventLog();
    private final Consumer<Throwable> onError;
    private final ObjectProperty<Phase> phase = new SimpleObjectProperty<>(Phase.IDLE);
    private final IntegerProperty position = new SimpleIntegerProperty(-1);
    private final DoubleProperty speed = new SimpleDoubleProperty(MAX_SPEED);
    private final Timeline pacer;
    private final AnimationTimer pump;

    private Session session;
    private EventQueue main;
    private EventQueue detail;
    private Set<HeadRef> detailHeads = Set.of();
    private boolean stepInFlight;
    private long eventsHandled;
    private long worstDrainNanos;

    // Replay of a recording: its events, where each step starts, and how many steps are shown.
    private List<SessionEvent> replay;
    private int[] stepStarts;
    private int shownSteps;

    public SessionController(Consumer<Throwable> onError) {
        this.onError = onError;
        this.pacer = new Timeline(new KeyFrame(Duration.millis(100), e -> pacedStep()));
        pacer.setCycleCount(Timeline.INDEFINITE);
        this.pump = new AnimationTimer() {
            @Override
            public void handle(long now) {
                drain();
            }
        };
        speed.addListener((o, a, b) -> {
            if (pacer.getStatus() == javafx.animation.Animation.Status.RUNNING) {
                pause();
                play();
            }
        });
    }

    public void addSink(EventSink sink) {
        sinks.add(sink);
    }

    /**
     * Starts a new session in place of the current one. The new session is built first: when its
     * configuration is refused (IllegalArgumentException) the current one carries on untouched.
     *
     * @param stepTo steps to run at once (the prompt counts as one), to resume where a replaced session was
     */
    public Session start(LoadedModel model, SessionSettings settings, List<LaneConfig> lanes, int stepTo) {
        Session fresh = new Session(model, settings, lanes);
        closeCurrent();
        session = fresh;
        main = fresh.events().subscribe(FrameRequest.BINNED);
        detail = fresh.events().subscribe(new FrameRequest(false, detailHeads));
        log.clear();
        for (EventSink s : sinks) {
            s.reset();
        }
        position.set(-1);
        phase.set(Phase.READY);
        pump.start();
        if (stepTo > 0) {
            watch(fresh.step(stepTo));
        }
        return fresh;
    }

    /** Ends the current session (if any) off the JavaFX thread; its views keep what they show. */
    public void closeCurrent() {
        closeCurrent(null);
    }

    /** {@link #closeCurrent()}, then closes {@code after} (the old model's files) once the session's worker ended. */
    public void closeCurrent(AutoCloseable after) {
        pacer.stop();
        replay = null;
        Session old = session;
        if (old != null) {
            drain();
            session = null;
            main = null;
            detail = null;
            Thread.ofPlatform().daemon().name("kvlens-close").start(() -> {
                old.close();
                closeQuietly(after);
            });
        } else {
            closeQuietly(after);
        }
        phase.set(Phase.IDLE);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // Unmapping a model no longer shown cannot hurt what is shown.
            }
        }
    }

    /**
     * Shows a recording instead of a live session: no model needed. The transport then moves through
     * its steps (a step starts at each of lane 0's tokens); the first step, the prompt, is shown at once.
     */
    public void replay(List<SessionEvent> events) {
        closeCurrent();
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof TokenStep t && t.lane() == 0) {
                starts.add(i);
            }
        }
        replay = List.copyOf(events);
        stepStarts = new int[starts.size() + 1];
        for (int i = 0; i < starts.size(); i++) {
            stepStarts[i] = starts.get(i);
        }
        stepStarts[starts.size()] = events.size();
        log.clear();
        for (EventSink s : sinks) {
            s.reset();
        }
        position.set(-1);
        phase.set(Phase.PAUSED);
        pump.start();
        shownSteps = 0;
        showReplaySteps(1);
    }

    public boolean isReplaying() {
        return replay != null;
    }

    /** Shows the recording's first {@code steps} steps (all events before step {@code steps} starts). */
    private void showReplaySteps(int steps) {
        int last = stepStarts.length - 1; // steps in the recording
        int target = Math.max(1, Math.min(steps, last));
        if (target < shownSteps) {
            log.clear();
            for (EventSink s : sinks) {
                s.reset();
            }
            shownSteps = 0;
        }
        int from = shownSteps == 0 ? 0 : stepStarts[shownSteps];
        int to = target >= last ? replay.size() : stepStarts[target];
        for (int i = from; i < to; i++) {
            dispatch(replay.get(i));
        }
        flush();
        shownSteps = target;
        phase.set(target >= last ? Phase.FINISHED : phase.get() == Phase.RUNNING ? Phase.RUNNING : Phase.PAUSED);
        if (target >= last) {
            pacer.stop();
        }
    }

    public Session session() {
        return session;
    }

    public EventLog log() {
        return log;
    }

    public ReadOnlyObjectProperty<Phase> phaseProperty() {
        return phase;
    }

    /** Position of lane 0's last token, -1 before the prompt ran. */
    public ReadOnlyIntegerProperty positionProperty() {
        return position;
    }

    /** Tokens per second when playing; {@link #MAX_SPEED} for as fast as possible. */
    public DoubleProperty speedProperty() {
        return speed;
    }

    public long eventsHandled() {
        return eventsHandled;
    }

    /** The longest one pulse's hand-over of events took (polling, views, tables), in nanoseconds. */
    public long worstDrainNanos() {
        return worstDrainNanos;
    }

    /** Starts a new measurement of {@link #worstDrainNanos()}. */
    public void resetDrainStatistics() {
        worstDrainNanos = 0;
    }

    public void play() {
        if (replay != null) {
            if (phase.get() == Phase.FINISHED) {
                return;
            }
            phase.set(Phase.RUNNING);
            double rate = speed.get() <= MAX_SPEED ? 30 : speed.get();
            pacer.stop();
            pacer.getKeyFrames().setAll(new KeyFrame(Duration.millis(1000 / rate), e -> pacedStep()));
            pacer.play();
            return;
        }
        if (session == null || phase.get() == Phase.FINISHED) {
            return;
        }
        phase.set(Phase.RUNNING);
        if (speed.get() <= MAX_SPEED) {
            watch(session.run());
        } else {
            pacer.stop();
            pacer.getKeyFrames().setAll(new KeyFrame(Duration.millis(1000 / speed.get()), e -> pacedStep()));
            pacer.play();
            pacedStep();
        }
    }

    public void pause() {
        pacer.stop();
        if (replay != null && phase.get() == Phase.RUNNING) {
            phase.set(Phase.PAUSED);
        }
        if (session != null) {
            watch(session.pause());
            if (phase.get() == Phase.RUNNING) {
                phase.set(Phase.PAUSED);
            }
        }
    }

    public void togglePlay() {
        if (phase.get() == Phase.RUNNING) {
            pause();
        } else {
            play();
        }
    }

    public void step() {
        if (replay != null) {
            pause();
            showReplaySteps(shownSteps + 1);
        }
        if (session != null) {
            pause();
            watch(session.step());
        }
    }

    public void stepBack() {
        if (replay != null) {
            pause();
            showReplaySteps(shownSteps - 1);
        }
        if (session != null) {
            pause();
            watch(session.stepBack(1));
        }
    }

    /** A live change of one lane; the session replays that lane and carries on. */
    public CompletableFuture<Void> changeLane(int lane, LaneConfig config) {
        CompletableFuture<Void> f = session.changeLane(lane, config);
        watch(f);
        return f;
    }

    /** Frames at full resolution for these heads from now on (the head view's selection). */
    public void watchHeads(Set<HeadRef> heads) {
        detailHeads = Set.copyOf(heads);
        if (session != null) {
            EventQueue old = detail;
            detail = session.events().subscribe(new FrameRequest(false, detailHeads));
            if (old != null) {
                session.events().unsubscribe(old);
            }
        }
    }

    private void pacedStep() {
        if (replay != null) {
            showReplaySteps(shownSteps + 1);
            return;
        }
        if (session == null || stepInFlight) {
            return;
        }
        if (session.state() == Session.State.FINISHED || session.state() == Session.State.CLOSED) {
            pacer.stop();
            return;
        }
        stepInFlight = true;
        CompletableFuture<Void> f = session.step();
        f.whenComplete((v, t) -> Platform.runLater(() -> stepInFlight = false));
        watch(f);
    }

    private void watch(CompletableFuture<?> f) {
        f.whenComplete((v, t) -> {
            if (t != null) {
                Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                        ? t.getCause() : t;
                if (!(cause instanceof IllegalStateException && "the session is closed".equals(cause.getMessage()))) {
                    Platform.runLater(() -> onError.accept(cause));
                }
            }
        });
    }

    /** Hands pending events to the views, within the pulse's budget. */
    void drain() {
        long start = System.nanoTime();
        long deadline = start + PUMP_BUDGET_NANOS;
        EventQueue q = main;
        while (q != null && System.nanoTime() < deadline) {
            SessionEvent e = q.poll();
            if (e == null) {
                break;
            }
            dispatch(e);
        }
        EventQueue d = detail;
        while (d != null && System.nanoTime() < deadline) {
            SessionEvent e = d.poll();
            if (e == null) {
                break;
            }
            if (e instanceof AttentionFrame f && !f.binned()) {
                for (EventSink s : sinks) {
                    s.accept(f);
                }
            }
        }
        flush();
        Session s = session;
        if (s != null && phase.get() == Phase.RUNNING && pacer.getStatus() != javafx.animation.Animation.Status.RUNNING
                && s.state() == Session.State.PAUSED) {
            phase.set(Phase.PAUSED);
        }
        worstDrainNanos = Math.max(worstDrainNanos, System.nanoTime() - start);
    }

    private void flush() {
        for (EventSink s : sinks) {
            s.flush();
        }
    }

    private void dispatch(SessionEvent e) {
        eventsHandled++;
        log.add(e);
        switch (e) {
            case SessionStarted st -> position.set(st.promptTokens().length - 1);
            case TokenStep t when t.lane() == 0 -> position.set(t.position());
            case SessionRewound r -> {
                position.set(r.position() - 1);
                if (phase.get() == Phase.FINISHED) {
                    phase.set(Phase.PAUSED);
                }
            }
            case SessionEnded end -> {
                pacer.stop();
                phase.set(Phase.FINISHED);
            }
            default -> { }
        }
        if (phase.get() == Phase.READY && e instanceof SessionStarted) {
            phase.set(Phase.PAUSED);
        }
        for (EventSink s : sinks) {
            s.accept(e);
        }
    }
}
