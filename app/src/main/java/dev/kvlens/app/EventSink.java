package dev.kvlens.app;

import dev.kvlens.inference.session.event.SessionEvent;

/** Something in the window fed by session events, always on the JavaFX thread. */
public interface EventSink {

    /** Forget everything shown: a new session or a replay starting over. */
    void reset();

    void accept(SessionEvent event);

    /** The end of a batch (one pulse's events, or one replay step): repaint now. */
    default void flush() {
    }
}
