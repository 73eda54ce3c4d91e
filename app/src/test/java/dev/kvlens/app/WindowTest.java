package dev.kvlens.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.session.Session;
import dev.kvlens.inference.session.SessionMode;
import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.prefs.Preferences;
import javafx.animation.AnimationTimer;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.control.ComboBox;
import javafx.scene.control.DialogPane;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import javafx.stage.Window;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Drives the real window on stories260K, in order: open, scenario, live policy switch, add a lane,
 * step back, PNG export, recording save and open, bad input, responsiveness, themes. Screenshots of
 * the main states go to {@code kvlens.screenshots}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WindowTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));
    private static final Path SHOTS = Path.of(System.getProperty("kvlens.screenshots", "target/screenshots"));
    private static final FxRobot robot = new FxRobot();
    private static MainWindow window;
    private static AppSettings settings;
    private static Path temp;

    @BeforeAll
    static void open() throws Exception {
        temp = Files.createTempDirectory("kvlens-window");
        Files.createDirectories(SHOTS);
        System.setProperty("kvlens.noBrowser", "true");
        settings = new AppSettings(Preferences.userRoot().node("/dev/kvlens/app-test-" + ProcessHandle.current().pid()));
        settings.clear();
        Stage stage = FxToolkit.registerPrimaryStage();
        FxToolkit.setupFixture(() -> window = KvLensApp.open(stage, settings, MODELS.resolve("stories260K.gguf")));
        waitFor(30, () -> window.model() != null);
    }

    @AfterAll
    static void close() throws Exception {
        FxToolkit.setupFixture(() -> window.stage().close());
        Preferences.userRoot().node("/dev/kvlens/app-test-" + ProcessHandle.current().pid()).removeNode();
    }

    private static void waitFor(int seconds, Callable<Boolean> condition) throws TimeoutException {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, () -> onFx(condition));
    }

    private static <T> T onFx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(30, TimeUnit.SECONDS);
    }

    private static void fx(Runnable r) throws Exception {
        onFx(() -> {
            r.run();
            return null;
        });
    }

    private static void screenshot(String name) throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        BufferedImage img = onFx(() -> dev.kvlens.viewer.ViewExport.snapshot(window.scene().getRoot(), 1,
                javafx.scene.paint.Color.BLACK));
        ImageIO.write(img, "png", SHOTS.resolve(name + ".png").toFile());
    }

    private static Session.State sessionState() throws Exception {
        return onFx(() -> window.controller().session() == null ? null : window.controller().session().state());
    }

    /** The error dialogs open now, as their detail text. */
    private static List<String> openErrors() throws Exception {
        return onFx(() -> Window.getWindows().stream().filter(Window::isShowing)
                .map(w -> w.getScene().getRoot()).filter(r -> r instanceof DialogPane d && "error-dialog".equals(d.getId()))
                .map(r -> ((Label) r.lookup("#error-detail")).getText()).toList());
    }

    private static void closeDialogs() throws Exception {
        fx(() -> List.copyOf(Window.getWindows()).stream().filter(w -> w != window.stage() && w.isShowing())
                .forEach(Window::hide));
    }

    @Test
    @Order(1)
    void opensTheModelAndShowsItsFacts() throws Exception {
        String title = onFx(() -> window.stage().getTitle());
        assertTrue(title.startsWith("KV Lens"), title);
        String name = onFx(() -> window.model().config().name());
        assertTrue(title.contains(name) && title.contains("stories260K.gguf"), title);
        Node facts = robot.lookup("#model-facts").query();
        assertNotNull(facts);
        assertEquals(MODELS.resolve("stories260K.gguf").toAbsolutePath(), settings.lastModel().orElseThrow());
        screenshot("01-model-loaded");
    }

    @Test
    @Order(2)
    void runsAScenarioToTheEnd() throws Exception {
        Scenario h2o = onFx(() -> window.scenarios().stream().filter(s -> s.id().equals("02-heavy-hitters"))
                .findFirst().orElseThrow());
        robot.clickOn("Scenarios").clickOn(h2o.title());
        waitFor(20, () -> window.controller().positionProperty().get() >= 0);
        assertTrue(onFx(() -> window.explanation().isVisible()));
        assertEquals(ViewKind.TIMELINE, onFx(() -> window.views().current()));
        assertEquals(3, onFx(() -> window.controller().session().laneCount()));
        robot.type(KeyCode.SPACE);
        waitFor(60, () -> window.controller().phaseProperty().get() == SessionController.Phase.FINISHED);
        WaitForAsyncUtils.waitForFxEvents();
        LaneRow full = onFx(() -> window.lanes().rows().get(0));
        LaneRow h2oLane = onFx(() -> window.lanes().rows().get(1));
        // The compressed lane holds less than the full cache and has measured quality against it.
        assertTrue(h2oLane.bytesProperty().get() > 0 && h2oLane.bytesProperty().get() < full.bytesProperty().get());
        assertFalse(Double.isNaN(h2oLane.klProperty().get()));
        assertFalse(h2oLane.textProperty().get().isBlank());
        screenshot("02-scenario-timeline");
        for (ViewKind k : List.of(ViewKind.HEAD_GRID, ViewKind.HEAD, ViewKind.TOKENS, ViewKind.BUDGET,
                ViewKind.MEMORY, ViewKind.QUALITY, ViewKind.OUTPUT)) {
            fx(() -> window.views().show(k));
            screenshot("03-view-" + k.id());
        }
    }

    @Test
    @Order(3)
    void switchesALanesPolicyMidRunAndTheViewsChange() throws Exception {
        fx(() -> window.views().show(ViewKind.TIMELINE));
        fx(() -> window.lanes().select(1));
        BufferedImage before = onFx(() -> dev.kvlens.viewer.ViewExport.snapshot(window.views().currentView(), 1,
                javafx.scene.paint.Color.BLACK));
        // Back to mid-run: a few steps back, then run slowly and switch while it runs.
        fx(() -> window.controller().speedProperty().set(4));
        for (int i = 0; i < 8; i++) {
            robot.type(KeyCode.LEFT);
        }
        waitFor(30, () -> window.controller().phaseProperty().get() == SessionController.Phase.PAUSED);
        robot.type(KeyCode.SPACE);
        waitFor(10, () -> sessionState() == Session.State.PAUSED
                && window.controller().phaseProperty().get() == SessionController.Phase.RUNNING);
        @SuppressWarnings("unchecked")
        ComboBox<dev.kvlens.inference.policy.PolicyDescriptor> chooser =
                robot.lookup("#policy-chooser").queryAs(ComboBox.class);
        fx(() -> chooser.getSelectionModel().select(chooser.getItems().stream()
                .filter(d -> d.id().equals("streamingllm")).findFirst().orElseThrow()));
        waitFor(10, () -> window.viewModel().lane(1) != null
                && window.lanes().rows().get(1).config().policyId().equals("streamingllm"));
        fx(() -> window.controller().speedProperty().set(SessionController.MAX_SPEED));
        waitFor(60, () -> window.controller().phaseProperty().get() == SessionController.Phase.FINISHED);
        WaitForAsyncUtils.waitForFxEvents();
        BufferedImage after = onFx(() -> dev.kvlens.viewer.ViewExport.snapshot(window.views().currentView(), 1,
                javafx.scene.paint.Color.BLACK));
        assertNotEquals(0, differingPixels(before, after), "the eviction timeline changed with the policy");
        screenshot("04-after-policy-switch");
    }

    @Test
    @Order(4)
    void addsALaneAndStepsBack() throws Exception {
        int before = onFx(() -> window.controller().positionProperty().get());
        robot.clickOn("#add-lane");
        waitFor(30, () -> window.controller().session().laneCount() == 4
                && window.controller().positionProperty().get() == before);
        assertEquals(4, onFx(() -> window.lanes().rows().size()));
        robot.type(KeyCode.LEFT);
        waitFor(30, () -> window.controller().positionProperty().get() == before - 1);
        screenshot("05-four-lanes-stepped-back");
    }

    @Test
    @Order(5)
    void exportsTheViewAsPng() throws Exception {
        fx(() -> window.views().show(ViewKind.HEAD_GRID));
        Path png = temp.resolve("grid.png");
        var task = onFx(() -> window.exportPng(2, png));
        waitFor(20, () -> task.isDone());
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "the PNG decodes");
        double w = onFx(() -> window.views().currentView().getLayoutBounds().getWidth());
        assertEquals(Math.ceil(2 * w), img.getWidth(), 2);
        assertTrue(distinctColours(img) > 20, "not blank: " + distinctColours(img) + " colours");
    }

    @Test
    @Order(6)
    void savesAndOpensARecording() throws Exception {
        Path rec = temp.resolve("session.kvrec");
        var save = onFx(() -> window.saveRecording(rec));
        waitFor(20, () -> save.isDone());
        assertTrue(Files.size(rec) > 0);
        int lanes = onFx(() -> window.controller().session().laneCount());
        var open = onFx(() -> window.openRecording(rec));
        waitFor(20, () -> open.isDone() && window.controller().isReplaying());
        assertTrue(onFx(() -> window.stage().getTitle()).contains("recording"));
        assertEquals(lanes, onFx(() -> window.lanes().rows().size()));
        int first = onFx(() -> window.controller().positionProperty().get());
        robot.type(KeyCode.RIGHT).type(KeyCode.RIGHT);
        waitFor(5, () -> window.controller().positionProperty().get() == first + 2);
        robot.type(KeyCode.LEFT);
        waitFor(5, () -> window.controller().positionProperty().get() == first + 1);
        screenshot("06-replaying-recording");
    }

    @Test
    @Order(7)
    void badInputShowsADialogAndKeepsTheSession() throws Exception {
        // Back to a live session on the model.
        var reopen = onFx(() -> window.openModel(MODELS.resolve("stories260K.gguf")));
        waitFor(30, () -> reopen.isDone() && window.model() != null);
        fx(() -> window.openScenario(window.scenarios().getFirst()));
        waitFor(30, () -> window.controller().positionProperty().get() >= 0);
        Session live = onFx(() -> window.controller().session());
        var model = onFx(() -> window.model());

        Path broken = temp.resolve("broken.gguf");
        Files.write(broken, new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0, 1, 2, 3});
        var t1 = onFx(() -> window.openModel(broken));
        waitFor(20, t1::isDone);
        waitFor(5, () -> !openErrors().isEmpty());
        assertTrue(openErrors().getFirst().contains("broken.gguf"), openErrors().toString());
        screenshot("07-broken-model-dialog");
        closeDialogs();
        assertTrue(onFx(() -> window.model() == model && window.controller().session() == live));

        Path newer = temp.resolve("newer.kvrec");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(newer))) {
            out.writeBytes("KVLREC");
            out.writeInt(99);
        }
        var t2 = onFx(() -> window.openRecording(newer));
        waitFor(20, t2::isDone);
        waitFor(5, () -> !openErrors().isEmpty());
        assertTrue(openErrors().getFirst().contains("newer"), openErrors().toString());
        closeDialogs();
        assertTrue(onFx(() -> window.controller().session() == live && !window.controller().isReplaying()));

        fx(() -> window.lanes().select(1));
        var before = onFx(() -> window.lanes().rows().get(1).config());
        TextField budget = robot.lookup("#budget-field").queryAs(TextField.class);
        robot.doubleClickOn(budget).eraseText(12).write("0").type(KeyCode.ENTER);
        waitFor(5, () -> !openErrors().isEmpty());
        assertTrue(openErrors().getFirst().contains("at least 1 entry"), openErrors().toString());
        closeDialogs();
        assertEquals(before, onFx(() -> window.lanes().rows().get(1).config()));
        assertTrue(onFx(() -> window.controller().session() == live));
    }

    @Test
    @Order(8)
    void theFxThreadNeverStallsWhileDecoding() throws Exception {
        AtomicLong last = new AtomicLong();
        AtomicLong worst = new AtomicLong();
        AnimationTimer monitor = new AnimationTimer() {
            @Override
            public void handle(long now) {
                long prev = last.getAndSet(now);
                if (prev != 0) {
                    worst.accumulateAndGet(now - prev, Math::max);
                }
            }
        };
        fx(() -> {
            window.prompt().newTokens(200);
            window.views().show(ViewKind.HEAD_GRID);
            window.startSession();
        });
        waitFor(20, () -> window.controller().positionProperty().get() >= 0);
        fx(() -> {
            monitor.start();
            window.controller().play();
        });
        waitFor(120, () -> window.controller().phaseProperty().get() == SessionController.Phase.FINISHED);
        fx(monitor::stop);
        double worstMs = worst.get() / 1e6;
        System.out.printf("worst FX pulse gap while decoding: %.1f ms%n", worstMs);
        assertTrue(worstMs < 100, "FX thread stalled " + worstMs + " ms");
    }

    @Test
    @Order(9)
    void themesAndPresentationMode() throws Exception {
        fx(() -> window.applyTheme(Theme.LIGHT));
        screenshot("08-light-theme");
        double before = onFx(() -> window.fontScale());
        robot.press(KeyCode.CONTROL).type(KeyCode.EQUALS).release(KeyCode.CONTROL);
        waitFor(5, () -> window.fontScale() > before);
        fx(() -> window.fontScale(MainWindow.PRESENTATION_SCALE));
        screenshot("09-presentation-light");
        fx(() -> {
            window.applyTheme(Theme.DARK);
            window.fontScale(1.0);
        });
        assertEquals(SessionMode.TEACHER_FORCED, SessionMode.parse("teacher"));
    }

    private static long differingPixels(BufferedImage a, BufferedImage b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) {
            return Long.MAX_VALUE;
        }
        long n = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                if (a.getRGB(x, y) != b.getRGB(x, y)) {
                    n++;
                }
            }
        }
        return n;
    }

    private static int distinctColours(BufferedImage img) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                seen.add(img.getRGB(x, y));
            }
        }
        return seen.size();
    }
}
