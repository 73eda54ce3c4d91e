package dev.kvlens.app;

import static dev.kvlens.app.FxThread.fx;
import static dev.kvlens.app.FxThread.onFx;
import static dev.kvlens.app.FxThread.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.session.KeySpectrum;
import dev.kvlens.inference.session.LaneConfig;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The key spectrum panel in the real window on stories260K: run a session with a StreamingLLM lane,
 * open the head view, pick a head, and the panel shows the singular values of the keys that lane's
 * KV head holds, for the lane, layer and step selected. Screenshot: {@code key-spectrum-window.png}.
 */
class KeySpectrumWindowTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));
    private static final Path SHOTS = Path.of(System.getProperty("kvlens.screenshots", "target/screenshots"));
    private static MainWindow window;
    private static WindowFixture fixture;

    @BeforeAll
    static void open() throws Exception {
        Files.createDirectories(SHOTS);
        fixture = WindowFixture.open("spectrum", MODELS.resolve("stories260K.gguf"));
        window = fixture.window();
    }

    @AfterAll
    static void close() throws Exception {
        fixture.close();
    }

    /** The spectrum shown once it is the one asked for (lane, layer, KV head, step). */
    private static KeySpectrum spectrumFor(int lane, int layer, int kvHead, int step) throws Exception {
        waitFor(60, () -> {
            KeySpectrum s = window.keySpectrum().spectrum();
            return s != null && s.lane() == lane && s.layer() == layer && s.kvHead() == kvHead && s.position() == step;
        });
        return onFx(() -> window.keySpectrum().spectrum());
    }

    @Test
    void theHeadViewShowsTheKeySpectrumOfTheSelectedHead() throws Exception {
        var config = onFx(() -> window.model().config());
        int layer = config.layers() - 1, head = config.heads() - 1;
        int kvHead = head / config.groupSize();
        fx(() -> {
            window.prompt().prompt("Once upon a time, there was a little girl named Lily. She loved to play outside "
                    + "in the park with her dog. One day, Lily saw a big red ball under a tree.");
            window.prompt().newTokens(12);
            window.lanes().setLanes(List.of(LaneConfig.parse("streamingllm", "16")));
            window.views().show(ViewKind.HEAD);
            window.feeds().selection().selectHead(layer, head);
            window.startSession();
        });
        waitFor(30, () -> window.controller().positionProperty().get() >= 0);
        fx(() -> window.controller().play());
        waitFor(60, () -> window.controller().phaseProperty().get() == SessionController.Phase.FINISHED);
        int end = onFx(() -> window.controller().positionProperty().get());

        // Lane 0, the full cache: every position so far is held.
        fx(() -> window.lanes().select(0));
        KeySpectrum full = spectrumFor(0, layer, kvHead, end);
        assertEquals(end + 1, full.entries());
        assertEquals(config.headDim(), full.headDim());
        assertEquals(Math.min(end + 1, config.headDim()), full.singularValues().length);
        assertEquals(1.0, full.normalised()[0], 1e-12);
        String summary = onFx(() -> window.keySpectrum().summaryText());
        assertTrue(summary.startsWith("effective rank "), summary);
        assertTrue(onFx(() -> window.keySpectrum().values().getSeries(0).getItemCount()) > 0);

        // A step back: the spectrum follows the step.
        fx(() -> window.controller().stepBack());
        waitFor(30, () -> window.controller().positionProperty().get() == end - 1);
        assertEquals(end, spectrumFor(0, layer, kvHead, end - 1).entries());

        // Lane 1, StreamingLLM with budget 16: its 16 entries, another matrix.
        fx(() -> window.lanes().select(1));
        KeySpectrum streaming = spectrumFor(1, layer, kvHead, end - 1);
        assertEquals(16, streaming.entries());
        String title = onFx(() -> window.keySpectrum().chart().getTitle().getText());
        assertTrue(title.startsWith("Key spectrum · layer " + layer + " · KV head " + kvHead + " · "), title);

        WaitForAsyncUtils.waitForFxEvents();
        BufferedImage img = onFx(() -> dev.kvlens.viewer.ViewExport.snapshot(window.scene().getRoot(), 1,
                javafx.scene.paint.Color.BLACK));
        ImageIO.write(img, "png", SHOTS.resolve("key-spectrum-window.png").toFile());
    }
}
