package dev.kvlens.app;

import static dev.kvlens.app.FxThread.fx;
import static dev.kvlens.app.FxThread.onFx;
import static dev.kvlens.app.FxThread.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.kernels.backend.BackendChoice;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javafx.scene.control.Label;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The window says which backend runs the model (status bar), and View > Backend reloads the model on
 * another one, restarting the session that ran: cpu (default) -> auto (the Vector API on the CPU)
 * -> cpu, remembered in the settings. Screenshot: {@code backend-auto.png}.
 */
class BackendWindowTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));
    private static final Path SHOTS = Path.of(System.getProperty("kvlens.screenshots", "target/screenshots"));
    private static MainWindow window;
    private static AppSettings settings;
    private static WindowFixture fixture;

    @BeforeAll
    static void open() throws Exception {
        Files.createDirectories(SHOTS);
        fixture = WindowFixture.open("backend", MODELS.resolve("stories260K.gguf"));
        window = fixture.window();
        settings = fixture.settings();
    }

    @AfterAll
    static void close() throws Exception {
        fixture.close();
    }

    private static String backendLabel() throws Exception {
        return onFx(() -> ((Label) window.scene().lookup("#backend-status")).getText());
    }

    @Test
    void theStatusBarNamesTheBackendAndTheMenuSwitchesIt() throws Exception {
        assertEquals(BackendChoice.CPU, onFx(() -> window.model().backend().choice()));
        String cpu = backendLabel();
        assertTrue(cpu.startsWith("Backend: Vector API"), cpu);

        // A session runs; picking auto reloads the model on ND4J's BLAS for prompts and restarts it.
        fx(() -> {
            window.prompt().prompt("Once upon a time, there was a little girl named Lily.");
            window.prompt().newTokens(4);
            window.startSession();
        });
        waitFor(30, () -> window.controller().positionProperty().get() >= 0);
        var before = onFx(() -> window.controller().session());
        fx(() -> window.backendMenu().item(BackendChoice.AUTO).fire());
        waitFor(120, () -> window.model() != null && window.model().backend().choice() == BackendChoice.AUTO
                && window.controller().session() != null && window.controller().session() != before
                && window.controller().positionProperty().get() >= 0);
        String auto = backendLabel();
        assertEquals("Backend: " + onFx(() -> window.model().backendDescription()), auto);
        assertTrue(auto.contains("ND4J"), auto);
        assertEquals(BackendChoice.AUTO, settings.backend());
        waitFor(30, () -> window.lanes().rows().get(0).bytesProperty().get() > 0);
        WaitForAsyncUtils.waitForFxEvents();
        BufferedImage img = onFx(() -> dev.kvlens.viewer.ViewExport.snapshot(window.scene().getRoot(), 1,
                javafx.scene.paint.Color.BLACK));
        ImageIO.write(img, "png", SHOTS.resolve("backend-auto.png").toFile());

        // Back to cpu.
        fx(() -> window.backendMenu().item(BackendChoice.CPU).fire());
        waitFor(60, () -> window.model() != null && window.model().backend().choice() == BackendChoice.CPU);
        assertEquals(cpu, backendLabel());
        assertEquals(BackendChoice.CPU, settings.backend());
    }
}
