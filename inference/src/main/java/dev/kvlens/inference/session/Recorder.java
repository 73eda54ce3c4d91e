package dev.kvlens.inference.session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A subscriber that writes every event it gets into a recording, on its own delivery thread (file
 * writes never slow the compute). Decisions, samples and steps are all recorded; frames only as
 * {@code frames} asks, coalesced when the disk falls behind.
 */
public final class Recorder {

    private final RecordingWriter writer;
    private final EventSubscription subscription;

    private Recorder(RecordingWriter writer, EventBus bus, FrameRequest frames) {
        this.writer = writer;
        this.subscription = bus.subscribe(frames, e -> {
            try {
                writer.write(e);
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
        });
    }

    /** Starts recording what {@code bus} publishes from now on into {@code target}. */
    public static Recorder start(EventBus bus, Path target, FrameRequest frames) throws IOException {
        return new Recorder(new RecordingWriter(target), bus, frames);
    }

    /**
     * Stops listening, writes what is pending, and moves the finished recording onto its target.
     * Call it after the session ended (or was closed) to have every event.
     */
    public Path finish() throws IOException, InterruptedException {
        subscription.close();
        Throwable failure = subscription.failure();
        if (failure != null) {
            writer.close();
            throw failure instanceof UncheckedIOException u ? u.getCause()
                    : new IOException("recording failed: " + failure.getMessage(), failure);
        }
        return writer.finish();
    }

    /** Events written so far. */
    public long events() {
        return writer.events();
    }
}
