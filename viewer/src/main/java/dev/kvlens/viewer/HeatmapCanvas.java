package dev.kvlens.viewer;

import java.util.Arrays;
import java.util.function.IntFunction;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.geometry.Point2D;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Tooltip;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.ScrollEvent;
import javafx.scene.text.Font;
import javafx.scene.text.Text;
import javafx.scene.text.TextAlignment;
import javafx.util.Duration;

/**
 * A labelled heatmap of a rows x columns float matrix drawn into one {@link WritableImage} (one
 * {@code PixelWriter.setPixels} per repaint, no node per cell) at the display's resolution, so zoom
 * is nearest-neighbour by construction and marked cells can be hatched at any zoom.
 *
 * <p>Values: NaN is "no data" (the empty fill shows); others map through {@link #colorScaleProperty()}
 * over {@code [min, max]} with an optional power {@link #gammaProperty()} (0.5 lifts small attention
 * weights). Marked cells (mask 1, e.g. entries a head no longer holds) are hatched in the mark fill.
 * Scroll zooms about the pointer, drag pans, double-click resets; the viewport is a property so that
 * side-by-side heatmaps can share it ({@code bindBidirectional}).
 */
public class HeatmapCanvas extends StyledView {

    /** Visible part of the matrix in cell units. */
    public record Viewport(double col0, double row0, double cols, double rows) {
    }

    /** Text for a cell (tooltips, in-cell values); null for none. */
    @FunctionalInterface
    public interface CellText {
        String text(int row, int col);
    }

    /** Receives a clicked cell. */
    @FunctionalInterface
    public interface CellHandler {
        void cell(int row, int col);
    }

    private final Canvas canvas = new Canvas();
    private final Tooltip tooltip = new Tooltip();
    private final ObjectProperty<ColorScale> colorScale = new SimpleObjectProperty<>(this, "colorScale", ColorScale.VIRIDIS);
    private final DoubleProperty gamma = new SimpleDoubleProperty(this, "gamma", 1.0);
    private final ObjectProperty<Viewport> viewport = new SimpleObjectProperty<>(this, "viewport");
    private int rows;
    private int cols;
    private float[] values = new float[0];
    private byte[] mask;
    private double min = 0;
    private double max = 1;
    private IntFunction<String> rowLabels = Integer::toString;
    private IntFunction<String> colLabels = Integer::toString;
    private String rowTitle = "";
    private String colTitle = "";
    private CellText tooltipText;
    private CellText cellText;
    private CellHandler onCellClicked;
    private int highlightRow = -1;
    private int highlightCol = -1;
    private boolean dirty = true;
    private WritableImage image;
    private int[] pixels = new int[0];
    private double plotX, plotY, plotW, plotH;
    private double dragX, dragY;
    private Viewport dragStart;
    private final Text measure = new Text();

    public HeatmapCanvas() {
        getStyleClass().add("heatmap-canvas");
        getChildren().add(canvas);
        tooltip.setShowDelay(Duration.millis(80));
        tooltip.setHideDelay(Duration.millis(100));
        Tooltip.install(canvas, tooltip);
        colorScale.addListener((o, a, b) -> repaint());
        gamma.addListener((o, a, b) -> repaint());
        viewport.addListener((o, a, b) -> repaint());
        canvas.addEventHandler(ScrollEvent.SCROLL, this::onScroll);
        canvas.addEventHandler(MouseEvent.MOUSE_PRESSED, e -> {
            dragX = e.getX();
            dragY = e.getY();
            dragStart = effectiveViewport();
        });
        canvas.addEventHandler(MouseEvent.MOUSE_DRAGGED, this::onDrag);
        canvas.addEventHandler(MouseEvent.MOUSE_CLICKED, this::onClick);
        canvas.addEventHandler(MouseEvent.MOUSE_MOVED, this::onMove);
        setMinSize(120, 80);
        setPrefSize(480, 360);
    }

    // ---- data ----

    /**
     * Shows a matrix. {@code values} is row-major, {@code rows * cols} long; {@code mask} (same length)
     * or null. The arrays are kept, not copied: pass fresh ones to change the picture.
     */
    public void setData(int rows, int cols, float[] values, byte[] mask) {
        if (rows < 0 || cols < 0 || values.length < (long) rows * cols || (mask != null && mask.length < values.length)) {
            throw new IllegalArgumentException("matrix " + rows + "x" + cols + " needs " + (long) rows * cols
                    + " values (got " + values.length + ")" + (mask == null ? "" : " and as many mask bytes"));
        }
        boolean reshaped = rows != this.rows || cols != this.cols;
        this.rows = rows;
        this.cols = cols;
        this.values = values;
        this.mask = mask;
        if (reshaped && viewport.get() != null) {
            Viewport v = viewport.get();
            if (v.col0() + v.cols() > cols || v.row0() + v.rows() > rows) {
                viewport.set(null);
            }
        }
        repaint();
    }

    /** Value range mapped to the colour scale's ends. */
    public void setRange(double min, double max) {
        this.min = min;
        this.max = max > min ? max : min + 1e-12;
        repaint();
    }

    public double rangeMin() {
        return min;
    }

    public double rangeMax() {
        return max;
    }

    public int rows() {
        return rows;
    }

    public int columns() {
        return cols;
    }

    /** The value shown at a cell (NaN when none). */
    public float value(int row, int col) {
        return values[row * cols + col];
    }

    public boolean marked(int row, int col) {
        return mask != null && mask[row * cols + col] != 0;
    }

    public ObjectProperty<ColorScale> colorScaleProperty() {
        return colorScale;
    }

    public DoubleProperty gammaProperty() {
        return gamma;
    }

    public void setRowLabels(IntFunction<String> labels) {
        this.rowLabels = labels;
        repaint();
    }

    public void setColumnLabels(IntFunction<String> labels) {
        this.colLabels = labels;
        repaint();
    }

    public void setAxisTitles(String rowTitle, String colTitle) {
        this.rowTitle = rowTitle;
        this.colTitle = colTitle;
        repaint();
    }

    public void setTooltipText(CellText text) {
        this.tooltipText = text;
    }

    /** Text drawn inside cells that are large enough (e.g. entry counts). */
    public void setCellText(CellText text) {
        this.cellText = text;
        repaint();
    }

    public void setOnCellClicked(CellHandler handler) {
        this.onCellClicked = handler;
    }

    /** Outlines one cell (or a whole row/column when the other index is -1); -1, -1 for none. */
    public void setHighlight(int row, int col) {
        if (row != highlightRow || col != highlightCol) {
            highlightRow = row;
            highlightCol = col;
            repaint();
        }
    }

    public Tooltip tooltip() {
        return tooltip;
    }

    // ---- viewport ----

    /** Null means the whole matrix. */
    public ObjectProperty<Viewport> viewportProperty() {
        return viewport;
    }

    public Viewport effectiveViewport() {
        Viewport v = viewport.get();
        return v != null ? v : new Viewport(0, 0, Math.max(cols, 1), Math.max(rows, 1));
    }

    /** Zooms by {@code factor} (> 1 zooms in) about a cell position. */
    public void zoom(double factor, double pivotCol, double pivotRow) {
        Viewport v = effectiveViewport();
        double nc = Math.clamp(v.cols() / factor, Math.min(4, Math.max(cols, 1)), Math.max(cols, 1));
        double nr = Math.clamp(v.rows() / factor, Math.min(4, Math.max(rows, 1)), Math.max(rows, 1));
        double c0 = pivotCol - (pivotCol - v.col0()) * nc / v.cols();
        double r0 = pivotRow - (pivotRow - v.row0()) * nr / v.rows();
        setViewportClamped(c0, r0, nc, nr);
    }

    public void resetZoom() {
        viewport.set(null);
    }

    private void setViewportClamped(double c0, double r0, double nc, double nr) {
        c0 = Math.clamp(c0, 0, Math.max(0, cols - nc));
        r0 = Math.clamp(r0, 0, Math.max(0, rows - nr));
        if (nc >= cols && nr >= rows) {
            viewport.set(null);
        } else {
            viewport.set(new Viewport(c0, r0, nc, nr));
        }
    }

    // ---- geometry (local coordinates of this view) ----

    /** The cell under a point in this view's coordinates, as {row, col}, or null. */
    public int[] cellAt(double x, double y) {
        double px = x - canvas.getLayoutX() - plotX;
        double py = y - canvas.getLayoutY() - plotY;
        if (px < 0 || py < 0 || px >= plotW || py >= plotH || rows == 0 || cols == 0) {
            return null;
        }
        Viewport v = effectiveViewport();
        int c = (int) Math.floor(v.col0() + px / plotW * v.cols());
        int r = (int) Math.floor(v.row0() + py / plotH * v.rows());
        return r < rows && c < cols ? new int[] {r, c} : null;
    }

    /** Centre of a cell in this view's coordinates (for tests and overlays). */
    public Point2D cellCenter(int row, int col) {
        Viewport v = effectiveViewport();
        double x = plotX + (col + 0.5 - v.col0()) / v.cols() * plotW;
        double y = plotY + (row + 0.5 - v.row0()) / v.rows() * plotH;
        return new Point2D(canvas.getLayoutX() + x, canvas.getLayoutY() + y);
    }

    // ---- interaction ----

    private void onScroll(ScrollEvent e) {
        if (rows == 0 || cols == 0 || e.getDeltaY() == 0) {
            return;
        }
        Viewport v = effectiveViewport();
        double pc = v.col0() + (e.getX() - plotX) / plotW * v.cols();
        double pr = v.row0() + (e.getY() - plotY) / plotH * v.rows();
        zoom(e.getDeltaY() > 0 ? 1.25 : 1 / 1.25, pc, pr);
        e.consume();
    }

    private void onDrag(MouseEvent e) {
        if (dragStart == null || viewport.get() == null) {
            return;
        }
        double dc = (e.getX() - dragX) / plotW * dragStart.cols();
        double dr = (e.getY() - dragY) / plotH * dragStart.rows();
        setViewportClamped(dragStart.col0() - dc, dragStart.row0() - dr, dragStart.cols(), dragStart.rows());
    }

    private void onClick(MouseEvent e) {
        if (e.getButton() == MouseButton.PRIMARY && e.getClickCount() == 2) {
            resetZoom();
            return;
        }
        if (!e.isStillSincePress()) {
            return;
        }
        int[] cell = cellAt(e.getX() + canvas.getLayoutX(), e.getY() + canvas.getLayoutY());
        if (cell != null && onCellClicked != null) {
            onCellClicked.cell(cell[0], cell[1]);
        }
    }

    private void onMove(MouseEvent e) {
        int[] cell = cellAt(e.getX() + canvas.getLayoutX(), e.getY() + canvas.getLayoutY());
        String t = cell == null || tooltipText == null ? null : tooltipText.text(cell[0], cell[1]);
        if (t == null) {
            tooltip.setText("");
            tooltip.hide();
        } else {
            tooltip.setText(t);
        }
    }

    /** The tooltip text for a cell, as the pointer would show it. */
    public String tooltipTextAt(int row, int col) {
        return tooltipText == null ? null : tooltipText.text(row, col);
    }

    // ---- painting ----

    @Override
    protected void styleChanged() {
        repaint();
    }

    @Override
    protected void layoutChildren() {
        double x = snappedLeftInset(), y = snappedTopInset();
        double w = Math.max(0, getWidth() - x - snappedRightInset());
        double h = Math.max(0, getHeight() - y - snappedBottomInset());
        canvas.relocate(x, y);
        if (canvas.getWidth() != w || canvas.getHeight() != h) {
            canvas.setWidth(Math.floor(w));
            canvas.setHeight(Math.floor(h));
            dirty = true;
        }
        if (dirty) {
            paint();
        }
    }

    private double textWidth(String s, Font f) {
        measure.setFont(f);
        measure.setText(s);
        return measure.getLayoutBounds().getWidth();
    }

    /** Asks for a repaint at the next layout pass; several requests in one pulse paint once. */
    public final void repaint() {
        dirty = true;
        requestLayout();
    }

    private void paint() {
        dirty = false;
        double w = canvas.getWidth(), h = canvas.getHeight();
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.clearRect(0, 0, w, h);
        if (w < 10 || h < 10) {
            return;
        }
        Font font = getFont();
        Font small = scaledFont(0.85);
        double lineH = font.getSize() * 1.3;
        Viewport v = effectiveViewport();
        // Label strides: draw every k-th label so labels never overlap.
        double maxRowLabel = 0;
        int r0 = (int) Math.floor(v.row0()), r1 = Math.min(rows, (int) Math.ceil(v.row0() + v.rows()));
        int c0 = (int) Math.floor(v.col0()), c1 = Math.min(cols, (int) Math.ceil(v.col0() + v.cols()));
        for (int r = r0; r < r1; r += Math.max(1, (r1 - r0) / 64)) {
            maxRowLabel = Math.max(maxRowLabel, textWidth(rowLabels.apply(r), small));
        }
        double maxColLabel = 0;
        for (int c = c0; c < c1; c += Math.max(1, (c1 - c0) / 64)) {
            maxColLabel = Math.max(maxColLabel, textWidth(colLabels.apply(c), small));
        }
        maxColLabel = Math.min(maxColLabel, small.getSize() * 9);
        maxRowLabel = Math.min(maxRowLabel, small.getSize() * 12);
        boolean rowTitled = !rowTitle.isEmpty(), colTitled = !colTitle.isEmpty();
        plotX = Math.ceil((rowTitled ? lineH : 0) + maxRowLabel + 6);
        plotY = 4;
        double provisionalW = w - plotX - 4;
        boolean rotate = cols > 0 && provisionalW / v.cols() < maxColLabel + 4;
        double colLabelH = rotate ? maxColLabel + 6 : lineH;
        plotW = Math.floor(Math.max(1, provisionalW));
        plotH = Math.floor(Math.max(1, h - plotY - colLabelH - (colTitled ? lineH : 0) - 2));

        g.setFill(getEmptyFill());
        g.fillRect(plotX, plotY, plotW, plotH);
        if (rows > 0 && cols > 0) {
            fillImage((int) plotW, (int) plotH, v);
            g.drawImage(image, 0, 0, plotW, plotH, plotX, plotY, plotW, plotH);
        }
        double cellW = plotW / v.cols(), cellH = plotH / v.rows();

        // In-cell text when there is room.
        if (cellText != null && cellW > font.getSize() * 2.2 && cellH > font.getSize() * 1.2) {
            g.setFont(font);
            g.setTextAlign(TextAlignment.CENTER);
            g.setTextBaseline(VPos.CENTER);
            for (int r = r0; r < r1; r++) {
                for (int c = c0; c < c1; c++) {
                    String s = cellText.text(r, c);
                    if (s == null) {
                        continue;
                    }
                    Point2D p = new Point2D(plotX + (c + 0.5 - v.col0()) * cellW, plotY + (r + 0.5 - v.row0()) * cellH);
                    int argb = argbAt(r, c);
                    g.setFill(argb == 0 ? getTextFill() : ColorScale.prefersDarkText(argb)
                            ? javafx.scene.paint.Color.BLACK : javafx.scene.paint.Color.WHITE);
                    g.fillText(s, p.getX(), p.getY(), cellW - 2);
                }
            }
        }

        // Highlight.
        g.setStroke(getAccentFill());
        g.setLineWidth(2);
        if (highlightRow >= 0 && highlightCol >= 0) {
            g.strokeRect(plotX + (highlightCol - v.col0()) * cellW, plotY + (highlightRow - v.row0()) * cellH,
                    Math.max(cellW, 2), Math.max(cellH, 2));
        } else if (highlightRow >= 0) {
            g.strokeRect(plotX, plotY + (highlightRow - v.row0()) * cellH, plotW, Math.max(cellH, 2));
        } else if (highlightCol >= 0) {
            g.strokeRect(plotX + (highlightCol - v.col0()) * cellW, plotY, Math.max(cellW, 2), plotH);
        }
        g.setStroke(getMutedFill());
        g.setLineWidth(1);
        g.strokeRect(plotX - 0.5, plotY - 0.5, plotW + 1, plotH + 1);

        // Axis labels.
        g.setFont(small);
        g.setFill(getTextFill());
        double smallH = small.getSize() * 1.25;
        int rowStride = Math.max(1, (int) Math.ceil(smallH / cellH));
        g.setTextAlign(TextAlignment.RIGHT);
        g.setTextBaseline(VPos.CENTER);
        for (int r = (r0 / rowStride) * rowStride; r < r1; r += rowStride) {
            double y = plotY + (r + 0.5 - v.row0()) * cellH;
            if (y >= plotY && y <= plotY + plotH) {
                g.fillText(clip(rowLabels.apply(r), maxRowLabel, small), plotX - 5, y);
            }
        }
        double colSpace = rotate ? smallH : maxColLabel + 8;
        int colStride = Math.max(1, (int) Math.ceil(colSpace / cellW));
        for (int c = (c0 / colStride) * colStride; c < c1; c += colStride) {
            double x = plotX + (c + 0.5 - v.col0()) * cellW;
            if (x < plotX || x > plotX + plotW) {
                continue;
            }
            String s = clip(colLabels.apply(c), maxColLabel, small);
            if (rotate) {
                g.save();
                g.translate(x, plotY + plotH + 4);
                g.rotate(-90);
                g.setTextAlign(TextAlignment.RIGHT);
                g.setTextBaseline(VPos.CENTER);
                g.fillText(s, 0, 0);
                g.restore();
            } else {
                g.setTextAlign(TextAlignment.CENTER);
                g.setTextBaseline(VPos.TOP);
                g.fillText(s, x, plotY + plotH + 3);
            }
        }
        g.setFont(font);
        g.setFill(getTextFill());
        if (colTitled) {
            g.setTextAlign(TextAlignment.CENTER);
            g.setTextBaseline(VPos.BOTTOM);
            g.fillText(colTitle, plotX + plotW / 2, h - 1);
        }
        if (rowTitled) {
            g.save();
            g.translate(lineH * 0.55, plotY + plotH / 2);
            g.rotate(-90);
            g.setTextAlign(TextAlignment.CENTER);
            g.setTextBaseline(VPos.CENTER);
            g.fillText(rowTitle, 0, 0);
            g.restore();
        }
    }

    private String clip(String s, double width, Font f) {
        if (textWidth(s, f) <= width + 0.5) {
            return s;
        }
        String t = s;
        while (t.length() > 1 && textWidth(t + "…", f) > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t + "…";
    }

    private int argbAt(int r, int c) {
        float val = values[r * cols + c];
        if (Float.isNaN(val)) {
            return 0;
        }
        return colorScale.get().argb(normalise(val));
    }

    private double normalise(double val) {
        double t = (val - min) / (max - min);
        double gm = gamma.get();
        if (gm != 1.0) {
            if (colorScale.get().diverging()) {
                double d = 2 * t - 1; // symmetric about the middle
                t = 0.5 + 0.5 * Math.signum(d) * Math.pow(Math.min(1, Math.abs(d)), gm);
            } else {
                t = Math.pow(Math.clamp(t, 0, 1), gm);
            }
        }
        return t;
    }

    /** Inverse of the colour mapping for legends: the value drawn at scale fraction {@code t}. */
    public double valueAt(double t) {
        double gm = gamma.get();
        double u = t;
        if (gm != 1.0) {
            if (colorScale.get().diverging()) {
                double d = 2 * t - 1;
                u = 0.5 + 0.5 * Math.signum(d) * Math.pow(Math.abs(d), 1 / gm);
            } else {
                u = Math.pow(t, 1 / gm);
            }
        }
        return min + u * (max - min);
    }

    private void fillImage(int w, int h, Viewport v) {
        if (image == null || image.getWidth() < w || image.getHeight() < h) {
            image = new WritableImage(Math.max(w, 1), Math.max(h, 1));
        }
        if (pixels.length < w * h) {
            pixels = new int[w * h];
        }
        int[] colOf = new int[w];
        for (int x = 0; x < w; x++) {
            colOf[x] = Math.min(cols - 1, (int) (v.col0() + (x + 0.5) * v.cols() / w));
        }
        int[] lut = colorScale.get().table();
        double scale = 1.0 / (max - min);
        double gm = gamma.get();
        boolean plain = gm == 1.0;
        int mark = toArgb(getMarkFill(), 1.0);
        int markSoft = toArgb(getMarkFill(), 0.35);
        int lastRow = -1;
        int[] rowColours = new int[cols];
        for (int y = 0; y < h; y++) {
            int r = Math.min(rows - 1, (int) (v.row0() + (y + 0.5) * v.rows() / h));
            int base = r * cols;
            if (r != lastRow) {
                for (int c = 0; c < cols; c++) {
                    float val = values[base + c];
                    if (Float.isNaN(val)) {
                        rowColours[c] = 0;
                    } else {
                        double t = plain ? (val - min) * scale : normalise(val);
                        rowColours[c] = lut[(int) Math.round(Math.clamp(t, 0.0, 1.0) * 255)];
                    }
                }
                lastRow = r;
            }
            int off = y * w;
            for (int x = 0; x < w; x++) {
                int c = colOf[x];
                if (mask != null && mask[base + c] != 0) {
                    // Hatched: diagonal stripes over a faint wash, readable at any zoom.
                    pixels[off + x] = ((x + y) % 6) < 2 ? mark : markSoft;
                } else {
                    pixels[off + x] = rowColours[c];
                }
            }
        }
        image.getPixelWriter().setPixels(0, 0, w, h, PixelFormat.getIntArgbInstance(), pixels, 0, w);
    }

    static int toArgb(javafx.scene.paint.Color c, double alpha) {
        int a = (int) Math.round(c.getOpacity() * alpha * 255);
        return (a << 24) | ((int) Math.round(c.getRed() * 255) << 16) | ((int) Math.round(c.getGreen() * 255) << 8)
                | (int) Math.round(c.getBlue() * 255);
    }

    /** Rows and columns of the current matrix as a copy (for export of the numbers). */
    public float[] valuesCopy() {
        return Arrays.copyOf(values, rows * cols);
    }
}
