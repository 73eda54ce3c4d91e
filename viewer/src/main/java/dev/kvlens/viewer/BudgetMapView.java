package dev.kvlens.viewer;

import dev.kvlens.inference.session.event.ModelInfo;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.geometry.Orientation;
import javafx.scene.control.Label;

/**
 * Entries each (layer, KV head) of a lane holds after its latest compression (BudgetPlan), as a
 * layers x KV heads heatmap with the count written in cells that have room; hovering shows the
 * count, the budget and the bytes held. Click selects the layer (and the first head of that KV head).
 */
public final class BudgetMapView extends StyledView {

    private final SessionViewModel model;
    private final HeatmapCanvas heatmap = new HeatmapCanvas();
    private final ColorLegend legend = new ColorLegend(Orientation.VERTICAL);
    private final Label title = new Label();
    private final IntegerProperty lane = new SimpleIntegerProperty(this, "lane", -1);
    private int[][] shown;

    public BudgetMapView(SessionViewModel model) {
        this.model = model;
        getStyleClass().add("budget-map-view");
        title.getStyleClass().add("view-title");
        heatmap.setAxisTitles("layer", "KV head");
        heatmap.setTooltipText(this::tooltipText);
        heatmap.setCellText((r, c) -> shown == null ? null : Integer.toString(shown[r][c]));
        heatmap.setOnCellClicked((r, c) -> {
            ModelInfo m = model.model();
            int group = m == null ? 1 : Math.max(1, m.heads() / Math.max(1, m.kvHeads()));
            model.selection().selectHead(r, c * group);
        });
        legend.setTitle("entries kept");
        legend.setFormat(v -> String.format("%.0f", v));
        getChildren().addAll(title, heatmap, legend);
        model.revisionProperty().addListener((o, a, b) -> invalidateContent());
        model.selection().laneProperty().addListener((o, a, b) -> refresh());
        model.selection().layerProperty().addListener((o, a, b) -> refresh());
        model.selection().headProperty().addListener((o, a, b) -> refresh());
        lane.addListener((o, a, b) -> refresh());
        setPrefSize(420, 560);
        invalidateContent();
    }

    public IntegerProperty laneProperty() {
        return lane;
    }

    public HeatmapCanvas heatmap() {
        flush();
        return heatmap;
    }

    public ColorLegend legend() {
        flush();
        return legend;
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
        LaneState ls = model.lane(laneShown());
        ModelInfo m = model.model();
        int[][] e = ls == null ? null : ls.planEntries();
        title.setText("Entries kept per KV head · " + (ls == null ? "lane " + laneShown() : ls.displayName())
                + (ls == null || ls.planStep() < 0 ? "" : " · step " + ls.planStep()));
        if (e == null || m == null || e.length == 0) {
            shown = null;
            heatmap.setData(0, 0, new float[0], null);
            legend.setScale(ColorScale.VIRIDIS, t -> t);
            return;
        }
        shown = e;
        int rows = e.length, cols = e[0].length;
        float[] v = new float[rows * cols];
        int max = 1;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                v[r * cols + c] = e[r][c];
                max = Math.max(max, e[r][c]);
            }
        }
        heatmap.setData(rows, cols, v, null);
        heatmap.setRange(0, max);
        heatmap.setRowLabels(r -> "L" + r);
        heatmap.setColumnLabels(c -> "KV" + c);
        heatmap.setHighlight(model.selection().layer(), model.kvHeadOf(model.selection().head()));
        legend.setScale(ColorScale.VIRIDIS, heatmap::valueAt);
    }

    private String tooltipText(int row, int col) {
        LaneState ls = model.lane(laneShown());
        if (ls == null || shown == null) {
            return null;
        }
        int budget = ls.budget(row, col);
        long[][] bytes = ls.bytesPerHead();
        String s = "layer " + row + " · KV head " + col + "\n" + shown[row][col] + " entries kept"
                + (budget == Integer.MAX_VALUE ? " (no budget)" : " (budget " + budget + ")");
        if (bytes != null && row < bytes.length && col < bytes[row].length) {
            s += "\n" + Bytes.format(bytes[row][col]) + " held";
        }
        return s;
    }

    public String tooltipTextAt(int row, int col) {
        flush();
        return tooltipText(row, col);
    }
}
