package dev.kvlens.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.session.EventBus;
import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.SessionEvent;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javafx.geometry.Point2D;
import javafx.scene.Scene;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.Region;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

@ExtendWith(ApplicationExtension.class)
class ViewsFxTest {

    static final Path SHOTS = Path.of(System.getProperty("kvlens.screenshots", "target/screenshots"));

    private Stage stage;
    private SessionViewModel model;
    private SyntheticSession session;

    @Start
    void start(Stage stage) {
        this.stage = stage;
        stage.setTitle("viewer test");
        stage.setScene(new Scene(new StackPane(), 1000, 800));
        stage.show();
    }

    @BeforeEach
    void feed() {
        session = new SyntheticSession(8, 6, 2, 24, 16, 2, 12, true);
        model = new SessionViewModel();
        WaitForAsyncUtils.waitForAsyncFx(5000, () -> {
            model.selection().selectHead(3, 2);
            model.selection().laneProperty().set(1);
            model.apply(session.events);
        });
    }

    @AfterEach
    void clear() {
        WaitForAsyncUtils.waitForAsyncFx(5000, () -> stage.setScene(new Scene(new StackPane(), 1000, 800)));
    }

    private <T extends Region> T show(T view, double w, double h, String theme) {
        WaitForAsyncUtils.waitForAsyncFx(5000, () -> {
            StackPane root = new StackPane(view);
            Scene scene = new Scene(root, w, h);
            if (theme != null) {
                root.setStyle(theme);
            }
            stage.setScene(scene);
            stage.setX(0);
            stage.setY(0);
            stage.setWidth(w);
            stage.setHeight(h);
        });
        WaitForAsyncUtils.waitForFxEvents();
        return view;
    }

    /** Runs {@code read} on the FX thread and returns its result. */
    private static <T> T onFx(java.util.concurrent.Callable<T> read) {
        try {
            return WaitForAsyncUtils.asyncFx(read).get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("reading the view on the FX thread failed", e);
        }
    }

    /** Writes a screenshot and checks that it decodes and is not blank. */
    private BufferedImage shoot(Region view, String name, double scale) throws IOException {
        Path file = SHOTS.resolve(name + ".png");
        WaitForAsyncUtils.waitForAsyncFx(10_000, () -> {
            try {
                ViewExport.writePng(view, scale, file);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        BufferedImage img = ImageIO.read(file.toFile());
        assertNotNull(img, "PNG decodes");
        assertEquals(Math.round(view.getWidth() * scale), img.getWidth(), 1.0);
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                colours.add(img.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 20, name + ": only " + colours.size() + " colours (blank?)");
        return img;
    }

    private Point2D screen(Region view, Point2D local) {
        return view.localToScreen(local);
    }

    @Test
    void headGridClickSelectsHeadAndHoverExplains(FxRobot robot) throws IOException {
        HeadGridView grid = show(new HeadGridView(model), 1000, 760, null);
        robot.clickOn(screen(grid, grid.cellCenter(5, 4)));
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(5, model.selection().layer());
        assertEquals(4, model.selection().head());
        String tip = grid.tooltipText(2, 1, 0.0);
        assertTrue(tip.startsWith("layer 2 · head 1 (KV head 0)"), tip);
        // Position 0 is a sink the window lane keeps: exact weight from the frame.
        AttentionFrame f = model.lane(1).latestFrame(2, 1);
        assertEquals(0, f.positions()[0]);
        assertTrue(tip.contains(String.format("weight %.5f", f.weights()[0])), tip);
        // Position 5 fell out of the 12-token window: evicted at the prompt's last step (23).
        String evicted = grid.tooltipText(2, 1, 5.5 / (f.step() + 1));
        assertTrue(evicted.contains("evicted at step 23"), evicted);
        robot.moveTo(screen(grid, grid.cellCenter(1, 1)));
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(grid.tooltip().getText().startsWith("layer 1 · head 1"), grid.tooltip().getText());
        shoot(grid, "head-grid", 1);
    }

    @Test
    void headViewZoomTooltipAndDifference(FxRobot robot) throws IOException {
        HeadView view = show(new HeadView(model), 1000, 760, null);
        HeatmapCanvas hm = view.heatmap();
        int rows = hm.rows(), cols = hm.columns();
        assertEquals(session.steps + 1, rows, "one row per step since the prompt's last token");
        assertEquals(session.promptLength + session.steps, cols);
        // Exact weight in the tooltip: last row, key 0 (a held sink).
        AttentionFrame f = model.lane(1).latestFull(3, 2);
        String tip = view.tooltipTextAt(rows - 1, 0);
        assertTrue(tip.contains(String.format("weight %.5f", f.weights()[0])), tip);
        assertTrue(tip.contains("key 0 \"Once\""), tip);
        // A key outside the window is marked, not coloured.
        assertTrue(hm.marked(rows - 1, 5));
        assertTrue(view.tooltipTextAt(rows - 1, 5).contains("not held"));
        shoot(view, "head-view", 1);
        // Zoom in with the wheel about the plot's centre.
        Point2D c = hm.cellCenter(rows / 2, cols / 2);
        robot.moveTo(screen(hm, c));
        robot.scroll(3, javafx.geometry.VerticalDirection.UP);
        WaitForAsyncUtils.waitForFxEvents();
        HeatmapCanvas.Viewport v = hm.viewportProperty().get();
        assertNotNull(v, "scrolling zooms in");
        assertTrue(v.cols() < cols && v.rows() < rows, v.toString());
        shoot(view, "head-view-zoomed", 1);
        WaitForAsyncUtils.waitForAsyncFx(5000, hm::resetZoom);
        assertNull(hm.viewportProperty().get());
        // Difference mode: lane 1 minus lane 0 at a held key, computed from the hand-made frames.
        WaitForAsyncUtils.waitForAsyncFx(5000, () -> view.differenceProperty().set(true));
        AttentionFrame full = model.lane(0).latestFull(3, 2);
        int last = f.step();
        int key = last; // the newest key: held by both
        float laneW = f.weights()[f.positions().length - 1], fullW = full.weights()[full.positions().length - 1];
        assertEquals(last, f.positions()[f.positions().length - 1]);
        assertEquals(laneW - fullW, hm.value(rows - 1, key), 1e-6);
        assertTrue(hm.colorScaleProperty().get().diverging());
        shoot(view, "head-view-difference", 1);
    }

    @Test
    void evictionTimelineKeptEvictedAndShare() throws IOException {
        EvictionTimelineView view = show(new EvictionTimelineView(model), 1000, 600, null);
        HeatmapCanvas hm = view.heatmap();
        int[] steps = view.rowSteps();
        int r = steps.length - 1, s = steps[r];
        assertEquals(session.promptLength - 1 + session.steps, s);
        for (int p = 0; p <= s; p++) {
            assertEquals(!session.windowHolds(p, s), hm.marked(r, p), "position " + p + " at step " + s);
        }
        shoot(view, "eviction-timeline", 1);
        WaitForAsyncUtils.waitForAsyncFx(5000, () -> view.modeProperty().set(EvictionTimelineView.Mode.SHARE_OF_HEADS));
        // Every (layer, KV head) uses the same window here: share is 1 or 0.
        assertEquals(1f, hm.value(r, 0), 1e-6);
        assertEquals(0f, hm.value(r, 5), 1e-6);
        assertTrue(view.tooltipTextAt(r, 5).contains("held by 0%"));
        shoot(view, "eviction-timeline-share", 1);
    }

    @Test
    void tokenStripShadingTooltipAndClick(FxRobot robot) throws IOException {
        TokenStripView view = show(new TokenStripView(model), 1000, 420, null);
        AttentionFrame f = model.lane(1).latestFull(3, 2);
        // Read the view on the FX thread: its layout measures text, and JavaFX's shared text layout
        // is not safe to use from two threads at once.
        assertEquals(f.weights()[0], onFx(() -> view.value(0)), 1e-6);
        String tip = onFx(() -> view.tooltipText(0));
        assertTrue(tip.startsWith("position 0 \"Once\""), tip);
        assertTrue(tip.contains("L7"), tip);
        assertTrue(tip.contains("kept by 2/2 KV heads"), tip);
        assertTrue(onFx(() -> view.tooltipText(5)).contains("kept by 0/2 KV heads"));
        robot.clickOn(screen(view, onFx(() -> view.chipCenter(7))));
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(7, model.selection().position());
        shoot(view, "token-strip", 1);
        WaitForAsyncUtils.waitForAsyncFx(5000, () -> view.differenceProperty().set(true));
        AttentionFrame full = model.lane(0).latestFull(3, 2);
        assertEquals(f.weights()[0] - full.weights()[0], onFx(() -> view.value(0)), 1e-6);
        shoot(view, "token-strip-difference", 1);
    }

    @Test
    void budgetMapValuesAndHover() throws IOException {
        BudgetMapView view = show(new BudgetMapView(model), 560, 640, null);
        HeatmapCanvas hm = view.heatmap();
        assertEquals(session.layers, hm.rows());
        assertEquals(session.kvHeads, hm.columns());
        assertEquals(14f, hm.value(0, 0), 0); // 2 sinks + 12 window
        String tip = view.tooltipTextAt(4, 1);
        assertTrue(tip.contains("14 entries kept (budget 14)"), tip);
        assertTrue(tip.contains("1.75 KiB held"), tip); // 14 * 2 * 16 * 4 bytes
        shoot(view, "budget-map", 1);
    }

    @Test
    void chartsFollowLanesAndExportSvg() throws IOException {
        MemoryChartView mem = show(new MemoryChartView(model), 1000, 560, null);
        assertEquals(3, mem.dataset().getSeriesCount(), "two lanes and the full-cache line");
        var lane1 = mem.dataset().getSeries(mem.dataset().getSeriesIndex(model.lane(1).displayName()));
        assertEquals(session.steps + 1, lane1.getItemCount());
        assertEquals(14.0 * session.model.kvBytesPerToken(), lane1.getY(lane1.getItemCount() - 1).doubleValue(), 0);
        shoot(mem, "memory-chart", 1);
        Path svg = SHOTS.resolve("memory-chart.svg");
        ViewExport.writeSvg(mem, 900, 500, svg);
        String text = Files.readString(svg);
        assertTrue(text.contains("<svg") && text.contains("KV cache memory per lane"), text.substring(0, 80));
        QualityChartView q = show(new QualityChartView(model), 1000, 900, null);
        assertEquals(5, q.datasets().size());
        var top1 = q.datasets().get(1).getSeries(q.datasets().get(1).getSeriesIndex(model.lane(1).displayName()));
        // Steps 23..39; agreement fails on multiples of 5 (25, 30, 35): 14 of 17 agree at the end.
        assertEquals(100.0 * 14 / 17, top1.getY(top1.getItemCount() - 1).doubleValue(), 1e-9);
        shoot(q, "quality-chart", 1);
        ViewExport.writeSvg(q, 900, 900, SHOTS.resolve("quality-chart.svg"));
    }

    @Test
    void comparisonSharesViewportAndSelection(FxRobot robot) throws IOException {
        LaneComparisonView view = show(new LaneComparisonView(model, LaneComparisonView.Kind.HEAD_VIEW), 1000, 620, null);
        assertEquals(2, view.panels().size());
        assertNotNull(view.differencePanel());
        HeadView a = (HeadView) view.panels().get(0), b = (HeadView) view.panels().get(1);
        WaitForAsyncUtils.waitForAsyncFx(5000, () -> a.heatmap().zoom(2, 10, 8));
        assertEquals(a.heatmap().viewportProperty().get(), b.heatmap().viewportProperty().get());
        assertEquals(a.heatmap().viewportProperty().get(),
                ((HeadView) view.differencePanel()).heatmap().viewportProperty().get());
        WaitForAsyncUtils.waitForAsyncFx(5000, () -> a.heatmap().resetZoom());
        shoot(view, "comparison-head-views", 1);
        LaneComparisonView strips = show(new LaneComparisonView(model, LaneComparisonView.Kind.TOKEN_STRIP), 1000, 420, null);
        shoot(strips, "comparison-token-strips", 1);
    }

    @Test
    void exportScalesAndDarkTheme() throws IOException {
        String dark = "-fx-base: #1e1f22; -fx-control-inner-background: #1e1f22; -fx-background: #1e1f22; -fx-font-size: 18px;";
        HeadGridView grid = show(new HeadGridView(model), 1000, 760, dark);
        BufferedImage img = shoot(grid, "head-grid-dark-2x", 2);
        assertEquals(Math.round(grid.getHeight() * 2), img.getHeight(), 1.0);
        // The CSS background (dark) reaches the exported image: the top-left corner is dark.
        int rgb = img.getRGB(2, 2);
        assertTrue(((rgb >> 16) & 0xFF) < 60 && ((rgb >> 8) & 0xFF) < 60, Integer.toHexString(rgb));
        // Presentation mode: the root font size reaches the canvas-drawn text.
        assertEquals(18, grid.getFont().getSize(), 0.01);
        shoot(show(new QualityChartView(model), 1000, 900, dark), "quality-chart-dark", 1);
    }

    @Test
    void feedCarriesBusEventsToTheFxThreadInBatches() throws Exception {
        SessionViewModel vm = new SessionViewModel();
        SessionFeed[] feed = new SessionFeed[1];
        EventBus bus = new EventBus();
        WaitForAsyncUtils.waitForAsyncFx(5000, () -> {
            vm.selection().selectHead(2, 1);
            feed[0] = new SessionFeed(vm);
            feed[0].connect(bus);
        });
        long revisions0 = vm.revisionProperty().get();
        Thread producer = Thread.ofPlatform().start(() -> {
            for (SessionEvent e : session.events) {
                bus.publish(e);
            }
        });
        producer.join();
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> vm.ended() != null);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(session.promptLength + session.steps, vm.lane(1).positions());
        assertEquals(14, vm.lane(1).planEntries()[0][0]);
        long batches = vm.revisionProperty().get() - revisions0;
        assertTrue(batches >= 1 && batches < session.events.size(), "applied in " + batches + " batches");
        // Full-resolution frames reach the model for the tracked head only; coalescing keeps the newest.
        assertEquals(session.promptLength - 1 + session.steps, vm.lane(1).latestFull(2, 1).step());
        assertNull(vm.lane(1).latestFull(0, 0), "untracked heads get no full-resolution frames");
        WaitForAsyncUtils.waitForAsyncFx(5000, feed[0]::close);
    }
}
