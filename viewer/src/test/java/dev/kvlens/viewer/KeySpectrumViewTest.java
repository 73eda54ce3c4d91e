package dev.kvlens.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.kvlens.inference.session.KeySpectrum;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javafx.scene.Scene;
import javafx.scene.layout.StackPane;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The key spectrum panel on a spectrum worked by hand. */
@ExtendWith(ApplicationExtension.class)
class KeySpectrumViewTest {

    private Stage stage;

    @Start
    void start(Stage stage) {
        this.stage = stage;
        stage.setScene(new Scene(new StackPane(), 700, 480));
        stage.show();
    }

    private static <T> T onFx(java.util.concurrent.Callable<T> read) throws Exception {
        return WaitForAsyncUtils.asyncFx(read).get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * Singular values 4, 2, 1, 0.5 and four zeros (21 keys of 8 dims): normalised 1, 0.5, 0.25, 0.125;
     * energy 16 + 4 + 1 + 0.25 = 21.25, so the top 1 holds 16 / 21.25 = 75.3%, the top 2 20 / 21.25 =
     * 94.1% (90% needs 2), the top 3 98.8% and the top 4 all (99% needs 4). Effective rank: p = (8, 4, 2,
     * 1) / 15, exp(-sum p ln p) = exp(0.33526 + 0.35247 + 0.26865 + 0.18054) = exp(1.13692) = 3.117.
     * The log axis leaves the zeros out; the linear one shows all eight.
     */
    @Test
    void showsTheNormalisedValuesTheEnergyAndTheFigures() throws Exception {
        SessionViewModel model = new SessionViewModel();
        KeySpectrumView view = onFx(() -> {
            KeySpectrumView v = new KeySpectrumView(model);
            stage.setScene(new Scene(new StackPane(v), 700, 480));
            return v;
        });
        assertEquals("Run a session and select a head to see its key spectrum.", onFx(view::summaryText));
        KeySpectrum s = new KeySpectrum(1, 20, 3, 1, 21, 8, new double[] {4, 2, 1, 0.5, 0, 0, 0, 0});
        onFx(() -> {
            view.setSpectrum(s, "H2O-like 16");
            return null;
        });
        assertEquals("effective rank 3.12 of 8 · 90% energy in 2 · 99% in 4 · top 1: 75.3%, top 2: 94.1%, top 4: 100.0%",
                onFx(view::summaryText));
        var values = onFx(() -> view.values().getSeries(0));
        assertEquals(4, values.getItemCount());
        double[] expected = {1, 0.5, 0.25, 0.125};
        for (int i = 0; i < 4; i++) {
            assertEquals(i + 1, values.getX(i).intValue());
            assertEquals(expected[i], values.getY(i).doubleValue(), 1e-12);
        }
        String title = onFx(() -> view.chart().getTitle().getText());
        assertEquals("Key spectrum · layer 3 · KV head 1 · H2O-like 16", title);
        WaitForAsyncUtils.waitForFxEvents();
        Path shots = Path.of(System.getProperty("kvlens.screenshots", "target/screenshots"));
        Files.createDirectories(shots);
        BufferedImage img = onFx(() -> ViewExport.snapshot(view, 1, javafx.scene.paint.Color.WHITE));
        ImageIO.write(img, "png", shots.resolve("key-spectrum-view.png").toFile());
        assertNotNull(ImageIO.read(shots.resolve("key-spectrum-view.png").toFile()));

        onFx(() -> {
            view.logScaleProperty().set(false);
            return null;
        });
        assertEquals(8, onFx(() -> view.values().getSeries(0).getItemCount()));
        onFx(() -> {
            view.setMessage("A recording holds no keys.");
            return null;
        });
        assertEquals("A recording holds no keys.", onFx(view::summaryText));
        assertEquals(0, onFx(() -> view.values().getSeriesCount()));
    }
}
