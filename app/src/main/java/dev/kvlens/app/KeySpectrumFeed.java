package dev.kvlens.app;

import dev.kvlens.inference.session.KeySpectrum;
import dev.kvlens.inference.session.Session;
import dev.kvlens.kernels.ComputePriority;
import dev.kvlens.viewer.KeySpectrumView;
import dev.kvlens.viewer.LaneState;
import dev.kvlens.viewer.SessionViewModel;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import javafx.application.Platform;

/**
 * Keeps the key spectrum panel on the selected lane, layer and head: when the selection, the step or
 * the lane's configuration changes while the panel shows, the session copies that KV head's keys on
 * its worker between steps ({@link Session#headKeys}), and their singular values are computed on a
 * thread of this feed's (ND4J loads there on first use, never on the JavaFX thread). One request is in
 * flight at a time; what changed meanwhile is asked for when it returns, so a fast run shows the newest
 * step it can and never queues a backlog.
 */
final class KeySpectrumFeed {

    private static final String NO_SESSION = "Run a session and select a head to see its key spectrum.";
    private static final String RECORDING = "A recording holds no keys: open a model and run a session to see the key spectrum.";

    private final SessionController controller;
    private final SessionViewModel model;
    private final KeySpectrumView view;
    private final BooleanSupplier shown;
    private final ExecutorService compute = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(() -> {
            ComputePriority.applyToCurrentThread();
            r.run();
        }, "kvlens-spectrum");
        t.setDaemon(true);
        return t;
    });
    private Object inFlight;
    private Object current;

    /**
     * @param model the head view's model (selection, lane names, revisions)
     * @param shown whether the panel is on screen now
     */
    KeySpectrumFeed(SessionController controller, SessionViewModel model, KeySpectrumView view, BooleanSupplier shown) {
        this.controller = controller;
        this.model = model;
        this.view = view;
        this.shown = shown;
        model.revisionProperty().addListener((o, a, b) -> update());
        model.selection().laneProperty().addListener((o, a, b) -> update());
        model.selection().layerProperty().addListener((o, a, b) -> update());
        model.selection().headProperty().addListener((o, a, b) -> update());
        controller.positionProperty().addListener((o, a, b) -> update());
        controller.phaseProperty().addListener((o, a, b) -> update());
    }

    /** Asks for the spectrum of what is selected now, if the panel shows and it is not already shown or asked for. */
    void update() {
        if (!shown.getAsBoolean()) {
            return;
        }
        Session session = controller.session();
        if (session == null) {
            current = null;
            view.setMessage(controller.isReplaying() ? RECORDING : NO_SESSION);
            return;
        }
        if (controller.positionProperty().get() < 0 || model.model() == null) {
            return;
        }
        int lane = Math.min(model.selection().lane(), session.laneCount() - 1);
        int layer = model.selection().layer();
        int kvHead = model.kvHeadOf(model.selection().head());
        LaneState ls = model.lane(lane);
        Object key = Arrays.asList(session, lane, layer, kvHead, controller.positionProperty().get(),
                ls == null ? null : ls.info());
        if (Objects.equals(key, current) || inFlight != null) {
            return;
        }
        if (layer >= model.model().layers() || kvHead >= model.model().kvHeads()) {
            return;
        }
        inFlight = key;
        if (view.spectrum() == null) {
            // The first one also starts ND4J (a second or two): say so instead of "run a session".
            view.setMessage("Computing the key spectrum of layer " + layer + ", KV head " + kvHead + "…");
        }
        String laneName = ls == null ? "lane " + lane : ls.displayName();
        session.headKeys(lane, layer, kvHead)
                .thenApplyAsync(KeySpectrum::of, compute)
                .whenComplete((spectrum, failure) -> Platform.runLater(() -> {
                    inFlight = null;
                    if (controller.session() != session) {
                        update();
                        return;
                    }
                    current = key;
                    if (failure != null) {
                        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                                ? failure.getCause() : failure;
                        view.setMessage("No key spectrum: " + (cause.getMessage() == null
                                ? cause.getClass().getSimpleName() : cause.getMessage()));
                    } else {
                        view.setSpectrum(spectrum, laneName);
                    }
                    update();
                }));
    }
}
