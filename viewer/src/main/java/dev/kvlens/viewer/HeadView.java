package dev.kvlens.viewer;

import dev.kvlens.inference.session.event.AttentionFrame;
import java.util.Arrays;
import java.util.NavigableMap;
import java.util.Objects;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.geometry.Orientation;
import javafx.scene.control.Label;

/**
 * One head large: a query x key heatmap of the selected (layer, head) over the steps seen (rows =
 * query positions as their frames arrived, columns = key positions), token text on both axes, zoom
 * (scroll) and pan (drag) from {@link HeatmapCanvas}, a tooltip with the exact weight, positions and
 * tokens. Keys the lane's KV head did not hold at a step are hatched. In difference mode each cell
 * is this lane's weight minus the full cache's (lane 0) on the same query and key, on a diverging scale.
 */
public final class HeadView extends StyledView {

    private final SessionViewModel model;
    private final HeatmapCanvas heatmap = new HeatmapCanvas();
    private final ColorLegend legend = new ColorLegend(Orientation.VERTICAL);
    private final Label title = new Label();
    private final IntegerProperty lane = new SimpleIntegerProperty(this, "lane", -1);
    private final BooleanProperty difference = new SimpleBooleanProperty(this, "difference", false);
    private int firstStep;
    private int shownLane = -1;
    private Object signature;

    public HeadView(SessionViewModel model) {
        this.model = model;
        getStyleClass().add("head-view");
        title.getStyleClass().add("view-title");
        heatmap.setAxisTitles("query position", "key position");
        heatmap.gammaProperty().set(0.5);
        legend.setMarkLabel("not held");
        getChildren().addAll(title, heatmap, legend);
        heatmap.setTooltipText(this::tooltipText);
        heatmap.setOnCellClicked((r, c) -> model.selection().positionProperty().set(c));
        model.revisionProperty().addListener((o, a, b) -> invalidateContent());
        model.selection().layerProperty().addListener((o, a, b) -> refresh());
        model.selection().headProperty().addListener((o, a, b) -> refresh());
        model.selection().laneProperty().addListener((o, a, b) -> refresh());
        model.selection().positionProperty().addListener((o, a, b) -> refresh());
        lane.addListener((o, a, b) -> refresh());
        difference.addListener((o, a, b) -> refresh());
        setPrefSize(800, 600);
        invalidateContent();
    }

    /** Lane shown; -1 (default) follows the selection's lane. */
    public IntegerProperty laneProperty() {
        return lane;
    }

    /** Lane minus full cache (lane 0), diverging colours. */
    public BooleanProperty differenceProperty() {
        return difference;
    }

    /** The heatmap inside (zoom, viewport for synchronised panning, cell geometry). */
    public HeatmapCanvas heatmap() {
        flush();
        return heatmap;
    }

    public ColorLegend legend() {
        flush();
        return legend;
    }

    /** First query step of row 0. */
    public int firstStep() {
        flush();
        return firstStep;
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
        legend.resizeRelocate(x + w - lw, y + th + 2, lw, Math.min(Math.max(0, h - th - 2), legend.prefHeight(lw) * 1.4));
    }

    @Override
    protected void rebuildContent() {
        refresh();
    }

    private int laneShown() {
        return lane.get() >= 0 ? lane.get() : model.selection().lane();
    }

    /** Rebuilds the matrix when what it shows changed. */
    public void refresh() {
        int ln = laneShown();
        int layer = model.selection().layer(), head = model.selection().head();
        boolean diff = difference.get() && ln != 0;
        LaneState ls = model.lane(ln);
        NavigableMap<Integer, AttentionFrame> hist = model.history(ln, layer, head);
        NavigableMap<Integer, AttentionFrame> ref = diff ? model.history(0, layer, head) : null;
        Object sig = Arrays.asList(ln, layer, head, diff, hist.size(), hist.isEmpty() ? -1 : hist.lastKey(),
                ref == null ? -1 : ref.size(), model.selection().position(), ls == null ? -1 : ls.latestStep(),
                ls == null ? null : ls.info());
        String laneName = ls == null ? "lane " + ln : ls.displayName();
        title.setText("Layer " + layer + " · head " + head + " (KV head " + model.kvHeadOf(head) + ") · " + laneName
                + (diff ? " · minus full cache" : ""));
        if (Objects.equals(sig, signature)) {
            return;
        }
        signature = sig;
        shownLane = ln;
        heatmap.colorScaleProperty().set(diff ? ColorScale.BLUE_WHITE_RED : ColorScale.VIRIDIS);
        legend.setTitle(diff ? "weight − full" : "weight");
        if (ls == null || hist.isEmpty()) {
            heatmap.setData(0, 0, new float[0], null);
            legend.setScale(heatmap.colorScaleProperty().get(), heatmap::valueAt);
            return;
        }
        firstStep = hist.firstKey();
        int lastStep = hist.lastKey();
        int rows = lastStep - firstStep + 1, cols = lastStep + 1;
        float[] v = new float[rows * cols];
        byte[] mask = new byte[rows * cols];
        Arrays.fill(v, Float.NaN);
        int kv = model.kvHeadOf(head);
        float maxAbs = 0;
        for (AttentionFrame f : hist.values()) {
            int r = f.step() - firstStep;
            float[] dense = dense(f);
            float[] base = null;
            if (diff) {
                AttentionFrame rf = ref.get(f.step());
                if (rf == null) {
                    continue; // no reference row to subtract from
                }
                base = dense(rf);
            }
            for (int p = 0; p <= f.step() && p < cols; p++) {
                int i = r * cols + p;
                boolean held = f.binned() ? ls.holds(layer, kv, p, f.step()) : !Float.isNaN(dense[p]);
                float lw = Float.isNaN(dense[p]) ? 0 : dense[p];
                float val = base == null ? lw : lw - (Float.isNaN(base[p]) ? 0 : base[p]);
                if (!held) {
                    mask[i] = 1;
                    if (base == null) {
                        continue;
                    }
                }
                v[i] = val;
                maxAbs = Math.max(maxAbs, Math.abs(val));
            }
        }
        heatmap.setData(rows, cols, v, mask);
        if (diff) {
            heatmap.setRange(-Math.max(maxAbs, 1e-6f), Math.max(maxAbs, 1e-6f));
        } else {
            heatmap.setRange(0, Math.max(maxAbs, 1e-6f));
        }
        int fs = firstStep;
        heatmap.setRowLabels(r -> (r + fs) + " " + TokenText.display(ls.piece(r + fs)));
        heatmap.setColumnLabels(c -> TokenText.display(ls.piece(c)));
        int sel = model.selection().position();
        heatmap.setHighlight(-1, sel >= 0 && sel < cols ? sel : -1);
        legend.setScale(heatmap.colorScaleProperty().get(), heatmap::valueAt);
        legend.setFormat(diff ? val -> String.format("%+.3f", val) : val -> String.format("%.3f", val));
    }

    /** A frame as one weight per position 0..step: NaN where the head held no entry (full frames). */
    private static float[] dense(AttentionFrame f) {
        float[] d = new float[f.step() + 1];
        int[] pos = f.positions();
        float[] w = f.weights();
        if (f.binned()) {
            for (int b = 0; b < pos.length; b++) {
                int end = b + 1 < pos.length ? pos[b + 1] : d.length;
                float dens = w[b] / Math.max(1, end - pos[b]);
                for (int p = Math.max(0, pos[b]); p < Math.min(end, d.length); p++) {
                    d[p] = dens;
                }
            }
        } else {
            Arrays.fill(d, Float.NaN);
            for (int i = 0; i < pos.length; i++) {
                if (pos[i] >= 0 && pos[i] < d.length) {
                    d[pos[i]] = w[i];
                }
            }
        }
        return d;
    }

    private String tooltipText(int row, int col) {
        LaneState ls = model.lane(shownLane);
        if (ls == null) {
            return null;
        }
        int q = row + firstStep;
        String where = "query " + q + " \"" + TokenText.display(ls.piece(q)) + "\" → key " + col + " \""
                + TokenText.display(ls.piece(col)) + "\"";
        if (col > q) {
            return where + "\n(future: not attended)";
        }
        float v = heatmap.value(row, col);
        boolean diff = heatmap.colorScaleProperty().get().diverging();
        if (heatmap.marked(row, col)) {
            return where + "\nnot held by KV head " + model.kvHeadOf(model.selection().head()) + " at step " + q
                    + (diff && !Float.isNaN(v) ? String.format("%nlane − full: %+.5f", v) : "");
        }
        if (Float.isNaN(v)) {
            return where + "\nno frame for this step";
        }
        return where + (diff ? String.format("%nlane − full: %+.5f", v) : String.format("%nweight %.5f", v));
    }

    /** The tooltip for a cell, as hovering shows it. */
    public String tooltipTextAt(int row, int col) {
        flush();
        return tooltipText(row, col);
    }
}
