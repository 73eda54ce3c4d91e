package dev.kvlens.app;

import static dev.kvlens.app.FxThread.fx;
import static dev.kvlens.app.FxThread.onFx;
import static dev.kvlens.app.FxThread.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Scenario 08 in the real window on the bundled teaching model: run to the end, the full cache and the
 * SnapKV lane say the pass key, the StreamingLLM lane does not; the head view on the card's retrieval
 * head (layer 1, head 0). Screenshots: {@code teaching-scenario-output.png}, {@code teaching-scenario-head.png}.
 */
class TeachingScenarioWindowTest {

    private static final Path MODEL = Path.of(System.getProperty("user.dir"))
            .resolveSibling("assets/models/kvlens-teaching.gguf");
    private static final Path SHOTS = Path.of(System.getProperty("kvlens.screenshots", "target/screenshots"));
    private static MainWindow window;
    private static WindowFixture fixture;

    @BeforeAll
    static void open() throws Exception {
        Files.createDirectories(SHOTS);
        fixture = WindowFixture.open("teaching", MODEL);
        window = fixture.window();
    }

    @AfterAll
    static void close() throws Exception {
        fixture.close();
    }

    private static void screenshot(String name) throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        BufferedImage img = onFx(() -> dev.kvlens.viewer.ViewExport.snapshot(window.scene().getRoot(), 1,
                javafx.scene.paint.Color.BLACK));
        ImageIO.write(img, "png", SHOTS.resolve(name + ".png").toFile());
    }

    @Test
    void snapKvKeepsThePassKeyAndStreamingLlmLosesIt() throws Exception {
        Scenario passkey = onFx(() -> window.scenarios().stream()
                .filter(s -> s.id().equals("08-passkey-teaching-model")).findFirst().orElseThrow());
        String key = passkey.prompt().replaceAll("(?s).*The pass key is (\\d{5})\\..*", "$1");
        assertEquals(5, key.length(), key);
        fx(() -> window.openScenario(passkey));
        waitFor(30, () -> window.controller().positionProperty().get() >= 0);
        assertEquals(3, onFx(() -> window.controller().session().laneCount()));
        // The card's retrieval head, chosen before the answer is generated so its rows are recorded.
        fx(() -> window.feeds().selection().selectHead(1, 0));
        fx(() -> window.controller().play());
        try {
            waitFor(120, () -> window.controller().phaseProperty().get() == SessionController.Phase.FINISHED);
        } catch (Exception e) {
            screenshot("teaching-scenario-timeout");
            throw new AssertionError("not finished: phase " + onFx(() -> window.controller().phaseProperty().get())
                    + ", position " + onFx(() -> window.controller().positionProperty().get()) + ", texts "
                    + onFx(() -> window.lanes().rows().stream().map(r -> r.textProperty().get()).toList()), e);
        }
        WaitForAsyncUtils.waitForFxEvents();
        String full = onFx(() -> window.lanes().rows().get(0).textProperty().get());
        String streaming = onFx(() -> window.lanes().rows().get(1).textProperty().get());
        String snapkv = onFx(() -> window.lanes().rows().get(2).textProperty().get());
        assertTrue(full.contains(key), "full cache: " + full);
        assertTrue(snapkv.contains(key), "SnapKV: " + snapkv);
        assertFalse(streaming.contains(key), "StreamingLLM: " + streaming);
        fx(() -> window.views().show(ViewKind.OUTPUT));
        screenshot("teaching-scenario-output");
        fx(() -> {
            window.views().show(ViewKind.HEAD);
            window.lanes().select(2);
        });
        screenshot("teaching-scenario-head");
        fx(() -> window.views().show(ViewKind.TOKENS));
        screenshot("teaching-scenario-tokens");
    }
}
