package dev.kvlens.app;

import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.viewer.SessionViewModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds the viewer's {@link SessionViewModel} in batches: events collect during a pulse and are
 * applied once at its end, so the views repaint once per pulse, not once per event.
 */
final class ViewModelSink implements EventSink {

    private final SessionViewModel model;
    private final List<SessionEvent> pending = new ArrayList<>();

    ViewModelSink(SessionViewModel model) {
        this.model = model;
    }

    @Override
    public void reset() {
        pending.clear();
    }

    @Override
    public void accept(SessionEvent event) {
        pending.add(event);
    }

    @Override
    public void flush() {
        if (!pending.isEmpty()) {
            List<SessionEvent> batch = List.copyOf(pending);
            pending.clear();
            model.apply(batch);
        }
    }
}
