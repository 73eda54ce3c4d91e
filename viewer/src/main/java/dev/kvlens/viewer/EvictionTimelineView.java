package dev.kvlens.viewer;

import dev.kvlens.inference.session.event.ModelInfo;
import java.util.Arrays;
import java.util.Objects;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.geometry.Orientation;
import javafx.scene.control.Label;

/**
 * Which token positions a lane's cache holds as steps go by: x = token position, y = step. In
 * {@link Mode#SELECTED_HEAD} a cell is kept (filled) or evicted (hatched) for the selected layer's
 * KV head; in {@link Mode#SHARE_OF_HEADS} it is coloured by the share of all (layer, KV head) pairs
 * still holding the position. Built from CacheDecision events only. At most {@value #MAX_ROWS} rows:
 * longer runs show evenly sampled steps.
 */
public final class EvictionTimelineView extends StyledView {

    /** What a cell means. */
    public enum Mode { SELECTED_HEAD, SHARE_OF_HEADS }

    public static final int MAX_ROWS = 1024;

    private final SessionViewModel model;
    private final HeatmapCanvas heatmap = new HeatmapCanvas();
    private final ColorLegend legend = new ColorLegend(Orientation.VERTICAL);
    private final Label title = new Label();
    private final ObjectProperty<Mode> mode = new SimpleObjectProperty<>(this, "mode", Mode.SELECTED_HEAD);
    private final IntegerProperty lane = new SimpleIntegerProperty(this, "lane", -1);
    private int[] rowSteps = new int[0];
    private Object signature;

    public EvictionTimelineView(SessionViewModel model) {
        this.model = model;
        getStyleClass().add("eviction-timeline-view");
        title.getStyleClass().add("view-title");
        heatmap.setAxisTitles("step", "token position");
        heatmap.setTooltipText(this::tooltipText);
        heatmap.setOnCellClicked((r, c) -> model.selection().positionProperty().set(c));
        getChildren().addAll(title, heatmap, legend);
        model.revisionProperty().addListener((o, a, b) -> invalidateContent());
        model.selection().layerProperty().addListener((o, a, b) -> refresh());
        model.selection().headProperty().addListener((o, a, b) -> refresh());
        model.selection().laneProperty().addListener((o, a, b) -> refresh());
        mode.addListener((o, a, b) -> refresh());
        lane.addListener((o, a, b) -> refresh());
        setPrefSize(800, 500);
        invalidateContent();
    }

    public ObjectProperty<Mode> modeProperty() {
        return mode;
    }

    /** Lane shown; -1 (default) follows the selection. */
    public IntegerProperty laneProperty() {
        return lane;
    }

    public HeatmapCanvas heatmap() {
        flush();
        return heatmap;
    }

    /** The step each row shows. */
    public int[] rowSteps() {
        flush();
        return rowSteps.clone();
    }

    @Override
    protected void styleChanged() {
        requestLayout();
    }

    @Override
    protected void layoutChildren() {
        flushIfShowing();
        double x = snappedLeftInset(), y = snappedTopInset();
        double w = getWidth() - x - snappedRightInset(), h = getHeight() - y - snappedBottomInset();
        double th = title.prefHeight(w);
        title.resizeRelocate(x, y, w, th);
        double lw = legend.prefWidth(-1);
        heatmap.resizeRelocate(x, y + th + 2, Math.max(0, w - lw - 6), Math.max(0, h - th - 2));
        legend.resizeRelocate(x + w - lw, y + th + 2, lw, Math.min(Math.max(0, h - th - 2), legend.prefHeight(lw)));
    }

    @Override
    protected void rebuildContent() {
        refresh();
    }

    private int laneShown() {
        return lane.get() >= 0 ? lane.get() : model.selection().lane();
    }

    public void refresh() {
        int ln = laneShown();
        LaneState ls = model.lane(ln);
        ModelInfo m = model.model();
        int layer = model.selection().layer();
        int kv = model.kvHeadOf(model.selection().head());
        Mode md = mode.get();
        Object sig = Arrays.asList(ln, layer, kv, md, model.revisionProperty().get());
        if (Objects.equals(sig, signature)) {
            return;
        }
        signature = sig;
        String name = ls == null ? "lane " + ln : ls.displayName();
        title.setText(md == Mode.SELECTED_HEAD
                ? "Kept and evicted · layer " + layer + ", KV head " + kv + " · " + name
                : "Share of (layer, KV head) pairs holding each token · " + name);
        if (md == Mode.SELECTED_HEAD) {
            legend.setTitle("KV head at this step");
            legend.setScale(ColorScale.VIRIDIS, t -> t);
            legend.setTicks(2);
            legend.setFormat(v -> v >= 0.5 ? "held" : "");
            legend.setMarkLabel("evicted");
            heatmap.setRange(0, 1);
        } else {
            legend.setTitle("share holding");
            legend.setScale(ColorScale.VIRIDIS, t -> t);
            legend.setTicks(5);
            legend.setFormat(v -> String.format("%.0f%%", v * 100));
            legend.setMarkLabel(null);
            heatmap.setRange(0, 1);
        }
        if (ls == null || m == null || ls.latestStep() < 0) {
            rowSteps = new int[0];
            heatmap.setData(0, 0, new float[0], null);
            return;
        }
        int last = ls.latestStep();
        int first = Math.min(last, Math.max(ls.evictionsKnownFrom(), firstDecisionStep(ls)));
        int steps = last - first + 1;
        int rows = Math.min(steps, MAX_ROWS), cols = last + 1;
        rowSteps = new int[rows];
        for (int r = 0; r < rows; r++) {
            rowSteps[r] = first + (int) ((long) r * steps / rows);
        }
        float[] v = new float[rows * cols];
        byte[] mask = md == Mode.SELECTED_HEAD ? new byte[rows * cols] : null;
        Arrays.fill(v, Float.NaN);
        if (md == Mode.SELECTED_HEAD) {
            for (int r = 0; r < rows; r++) {
                int st = rowSteps[r];
                for (int p = 0; p <= st && p < cols; p++) {
                    int i = r * cols + p;
                    if (ls.holds(layer, kv, p, st)) {
                        v[i] = 1;
                    } else {
                        mask[i] = 1;
                    }
                }
            }
        } else {
            // Each (layer, KV head) holds p on the rows whose step is in [p, evictedAt): add +1/-1 at
            // the ends of that row range per column, then sum down the rows (pairs * cols + rows * cols).
            int pairs = m.layers() * m.kvHeads();
            int[] acc = new int[(rows + 1) * cols];
            for (int l = 0; l < m.layers(); l++) {
                for (int g = 0; g < m.kvHeads(); g++) {
                    for (int p = 0; p < cols; p++) {
                        int e = ls.evictedAt(l, g, p);
                        int r0 = firstRowAtOrAfter(p), r1 = e == LaneState.HELD ? rows : firstRowAtOrAfter(e);
                        if (r0 < r1) {
                            acc[r0 * cols + p]++;
                            acc[r1 * cols + p]--;
                        }
                    }
                }
            }
            for (int p = 0; p < cols; p++) {
                int run = 0;
                for (int r = 0; r < rows; r++) {
                    run += acc[r * cols + p];
                    if (p <= rowSteps[r]) {
                        v[r * cols + p] = run / (float) pairs;
                    }
                }
            }
        }
        heatmap.setData(rows, cols, v, mask);
        int[] rs = rowSteps;
        heatmap.setRowLabels(r -> Integer.toString(rs[r]));
        heatmap.setColumnLabels(c -> c + " " + TokenText.display(ls.piece(c)));
    }

    private int firstRowAtOrAfter(int step) {
        int i = Arrays.binarySearch(rowSteps, step);
        if (i < 0) {
            return -i - 1;
        }
        while (i > 0 && rowSteps[i - 1] == step) {
            i--;
        }
        return i;
    }

    /** The prompt's last position: decisions start when the prompt has been read. */
    private int firstDecisionStep(LaneState ls) {
        var s = model.session();
        return s == null ? 0 : Math.max(0, s.promptTokens().length - 1);
    }

    private String tooltipText(int row, int col) {
        LaneState ls = model.lane(laneShown());
        if (ls == null || row >= rowSteps.length) {
            return null;
        }
        int s = rowSteps[row];
        String where = "step " + s + " · position " + col + " \"" + TokenText.display(ls.piece(col)) + "\"";
        if (col > s) {
            return where + "\nnot yet read";
        }
        if (mode.get() == Mode.SELECTED_HEAD) {
            int layer = model.selection().layer(), kv = model.kvHeadOf(model.selection().head());
            int at = ls.evictedAt(layer, kv, col);
            return where + (at <= s ? "\nevicted at step " + at : "\nheld by layer " + layer + ", KV head " + kv);
        }
        return where + String.format("%nheld by %.0f%% of (layer, KV head) pairs", heatmap.value(row, col) * 100);
    }

    public String tooltipTextAt(int row, int col) {
        flush();
        return tooltipText(row, col);
    }
}
