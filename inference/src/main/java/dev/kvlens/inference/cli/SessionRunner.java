package dev.kvlens.inference.cli;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.report.StderrProgress;
import dev.kvlens.inference.session.EventSubscription;
import dev.kvlens.inference.session.FrameRequest;
import dev.kvlens.inference.session.LaneConfig;
import dev.kvlens.inference.session.Recorder;
import dev.kvlens.inference.session.Session;
import dev.kvlens.inference.session.SessionSettings;
import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.TokenStep;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * Runs one session to its end for the command line and hands back its events without attention
 * frames (the reports never read frames, and a long run's frames would not fit in memory); the
 * frames asked for go only into the recording, which the session's {@link Recorder} streams to disk.
 */
final class SessionRunner {

    private SessionRunner() {
    }

    /**
     * @param recording where to record the session, or null for none
     * @param frames    the frames the recording keeps
     * @param progress  stepped once per token lane 0 reads (the prompt counts as one)
     * @throws IllegalArgumentException when the session refuses its input (kept as the one-line error)
     */
    static List<SessionEvent> run(LoadedModel loaded, SessionSettings settings, List<LaneConfig> lanes,
                                  Path recording, FrameRequest frames, StderrProgress progress) throws IOException {
        List<SessionEvent> events = Collections.synchronizedList(new ArrayList<>());
        int promptLength = settings.prompt().length;
        Recorder recorder = null;
        Throwable failure;
        try (Session session = new Session(loaded, settings, lanes)) {
            EventSubscription kept = session.events().subscribe(FrameRequest.NONE, e -> {
                if (!(e instanceof AttentionFrame)) {
                    events.add(e);
                }
                if (e instanceof TokenStep t && t.lane() == 0 && t.position() >= promptLength - 1) {
                    progress.step();
                }
            });
            if (recording != null) {
                recorder = Recorder.start(session.events(), recording, frames);
            }
            try {
                session.runToEnd();
            } catch (CompletionException e) {
                // The worker's failure; the session also published SessionEnded("error: ...").
            }
            session.close();
            failure = session.failure();
            join(kept);
            if (recorder != null) {
                finish(recorder);
            }
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
        return List.copyOf(events);
    }

    private static void join(EventSubscription subscription) {
        try {
            subscription.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the session's events were delivered");
        }
        if (subscription.failure() != null) {
            throw new IllegalStateException("collecting the session's events failed", subscription.failure());
        }
    }

    private static void finish(Recorder recorder) throws IOException {
        try {
            recorder.finish();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the recording was written");
        }
    }
}
