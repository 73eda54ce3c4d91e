package dev.kvlens.viewer;

import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.ModelInfo;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.geometry.Orientation;
import javafx.geometry.Point2D;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Tooltip;
import java.nio.IntBuffer;
import javafx.scene.image.PixelBuffer;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.input.MouseEvent;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import javafx.util.Duration;

/**
 * Layers x heads small multiples of the current step's attention: each cell is a strip over key
 * positions 0..step (all cells share the position axis), coloured by the head's weight relative to
 * its own largest weight (so every head's pattern shows), with positions its KV head no longer
 * holds hatched. All cells are painted into one image per repaint. Click a cell to select the head
 * (sets {@link ViewSelection#selectHead}); hover shows the exact weight and token.
 */
public final class HeadGridView extends StyledView {

    private final SessionViewModel model;
    private final Canvas canvas = new Canvas();
    private final Tooltip tooltip = new Tooltip();
    private final ColorLegend legend = new ColorLegend(Orientation.HORIZONTAL);
    private final IntegerProperty lane = new SimpleIntegerProperty(this, "lane", -1);
    private final ColorScale scale = ColorScale.VIRIDIS;
    private static final double GAMMA = 0.5;
    private boolean dirty = true;
    // The grid's pixels, written in the image's own format (premultiplied ARGB ints): JavaFX draws
    // them as they are, where setPixels on a plain WritableImage converted every pixel to bytes on
    // the JavaFX thread (IntTo4ByteSameConverter in its profile at 16 x 32 heads).
    private PixelBuffer<IntBuffer> pixelBuffer;
    private WritableImage image;
    private int[] pixels = new int[0];
    // Paint buffers, reused across paints (one paint covers layers x heads strips).
    private int[] rowColours = new int[0];
    private float[] columnMax = new float[0];
    private boolean[] evictedColumns = new boolean[0];
    private int[] evictedStep = new int[0];
    private int[] lutPre;
    private double gridX, gridY, cellW, cellH;
    private static final double GAP = 2;
    private int hoverLayer = -1, hoverHead = -1;
    private long paints;

    public HeadGridView(SessionViewModel model) {
        this.model = model;
        getStyleClass().add("head-grid-view");
        legend.setTitle("attention weight (share of the head's largest)");
        legend.setScale(scale, t -> Math.pow(t, 1 / GAMMA));
        legend.setFormat(v -> String.format("%.2f", v));
        legend.setMarkLabel("not held by the KV head");
        getChildren().addAll(canvas, legend);
        tooltip.setShowDelay(Duration.millis(80));
        Tooltip.install(canvas, tooltip);
        model.revisionProperty().addListener((o, a, b) -> repaint());
        model.selection().layerProperty().addListener((o, a, b) -> repaint());
        model.selection().headProperty().addListener((o, a, b) -> repaint());
        model.selection().laneProperty().addListener((o, a, b) -> repaint());
        lane.addListener((o, a, b) -> repaint());
        canvas.addEventHandler(MouseEvent.MOUSE_CLICKED, e -> {
            int[] c = cellAt(e.getX(), e.getY());
            if (c != null) {
                model.selection().selectHead(c[0], c[1]);
            }
        });
        canvas.addEventHandler(MouseEvent.MOUSE_MOVED, e -> {
            int[] c = cellAt(e.getX(), e.getY());
            int l = c == null ? -1 : c[0], h = c == null ? -1 : c[1];
            if (l != hoverLayer || h != hoverHead) {
                hoverLayer = l;
                hoverHead = h;
                repaint();
            }
            String t = c == null ? null : tooltipText(l, h, (e.getX() - cellX(h)) / (cellW - GAP));
            tooltip.setText(t == null ? "" : t);
            if (t == null) {
                tooltip.hide();
            }
        });
        canvas.addEventHandler(MouseEvent.MOUSE_EXITED, e -> {
            hoverLayer = hoverHead = -1;
            repaint();
        });
        setPrefSize(900, 700);
        setMinSize(200, 150);
    }

    /** The lane shown; -1 (default) follows the selection's lane. */
    public IntegerProperty laneProperty() {
        return lane;
    }

    public int shownLane() {
        return lane.get() >= 0 ? lane.get() : model.selection().lane();
    }

    public Tooltip tooltip() {
        return tooltip;
    }

    /** Repaints so far (for frame-rate measurements). */
    public long paints() {
        return paints;
    }

    public void repaint() {
        dirty = true;
        requestLayout();
    }

    @Override
    protected void styleChanged() {
        repaint();
    }

    @Override
    protected void layoutChildren() {
        double x = snappedLeftInset(), y = snappedTopInset();
        double w = getWidth() - x - snappedRightInset(), h = getHeight() - y - snappedBottomInset();
        double lh = legend.prefHeight(w);
        legend.resizeRelocate(x, y + h - lh, Math.min(w, getFont().getSize() * 34), lh);
        double ch = Math.floor(Math.max(0, h - lh - 4)), cw = Math.floor(Math.max(0, w));
        canvas.relocate(x, y);
        if (canvas.getWidth() != cw || canvas.getHeight() != ch) {
            canvas.setWidth(cw);
            canvas.setHeight(ch);
            dirty = true;
        }
        if (dirty && showing()) {
            paint();
        }
    }

    /** Centre of a head's cell in this view's coordinates. */
    public Point2D cellCenter(int layer, int head) {
        return new Point2D(canvas.getLayoutX() + cellX(head) + (cellW - GAP) / 2,
                canvas.getLayoutY() + gridY + layer * cellH + (cellH - GAP) / 2);
    }

    private double cellX(int head) {
        return gridX + head * cellW;
    }

    /** {layer, head} under a canvas point, or null. */
    private int[] cellAt(double x, double y) {
        ModelInfo m = model.model();
        if (m == null || cellW <= 0 || cellH <= 0) {
            return null;
        }
        int h = (int) Math.floor((x - gridX) / cellW), l = (int) Math.floor((y - gridY) / cellH);
        if (h < 0 || l < 0 || h >= m.heads() || l >= m.layers()) {
            return null;
        }
        return new int[] {l, h};
    }

    /** What hovering a head's strip at fraction {@code fx} of its width shows. */
    public String tooltipText(int layer, int head, double fx) {
        LaneState ls = model.lane(shownLane());
        ModelInfo m = model.model();
        if (ls == null || m == null) {
            return null;
        }
        int kv = model.kvHeadOf(head);
        String title = "layer " + layer + " · head " + head + " (KV head " + kv + ")";
        AttentionFrame f = ls.latestFrame(layer, head);
        if (f == null) {
            return title + "\nno attention yet";
        }
        int span = f.step() + 1;
        int p = Math.clamp((int) Math.floor(fx * span), 0, span - 1);
        String tok = "position " + p + " \"" + TokenText.display(ls.piece(p)) + "\"";
        if (!ls.holds(layer, kv, p, f.step())) {
            int at = ls.evictedAt(layer, kv, p);
            return title + "\n" + tok + "\nevicted at step " + at;
        }
        double w = weightAt(f, p);
        String kind = f.binned() ? String.format("%.4f per position (binned)", w) : String.format("%.5f", w);
        return title + "\n" + tok + "\nweight " + kind + " at step " + f.step();
    }

    /** Weight on one position: exact for a full frame, bin density (sum / bin width) for a binned one. */
    static double weightAt(AttentionFrame f, int p) {
        int[] pos = f.positions();
        if (!f.binned()) {
            int i = java.util.Arrays.binarySearch(pos, p);
            return i >= 0 ? f.weights()[i] : 0;
        }
        int b = java.util.Arrays.binarySearch(pos, p);
        if (b < 0) {
            b = -b - 2;
        }
        b = Math.clamp(b, 0, pos.length - 1);
        int end = b + 1 < pos.length ? pos[b + 1] : f.step() + 1;
        return f.weights()[b] / Math.max(1, end - pos[b]);
    }

    private void paint() {
        dirty = false;
        paints++;
        double w = canvas.getWidth(), h = canvas.getHeight();
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.clearRect(0, 0, w, h);
        ModelInfo m = model.model();
        LaneState ls = model.lane(shownLane());
        Font small = scaledFont(0.85);
        g.setFont(small);
        g.setFill(getTextFill());
        if (m == null || ls == null) {
            g.setTextAlign(TextAlignment.CENTER);
            g.setTextBaseline(VPos.CENTER);
            g.fillText("No session yet", w / 2, h / 2);
            return;
        }
        int layers = m.layers(), heads = m.heads();
        double labelW = small.getSize() * 3.2, labelH = small.getSize() * 1.6;
        gridX = labelW;
        gridY = 2 * labelH; // one row for "lane · step", one for the head labels
        cellW = Math.floor((w - gridX) / heads);
        cellH = Math.floor((h - gridY) / layers);
        if (cellW < 3 || cellH < 3) {
            return;
        }
        int iw = (int) (cellW * heads), ih = (int) (cellH * layers);
        if (pixelBuffer == null || pixelBuffer.getWidth() != iw || pixelBuffer.getHeight() != ih) {
            pixels = new int[iw * ih];
            pixelBuffer = new PixelBuffer<>(iw, ih, IntBuffer.wrap(pixels), PixelFormat.getIntArgbPreInstance());
            image = new WritableImage(pixelBuffer);
        }
        java.util.Arrays.fill(pixels, 0, iw * ih, 0);
        int[] lut = premultipliedLut();
        int mark = premultiply(HeatmapCanvas.toArgb(getMarkFill(), 1));
        int markSoft = premultiply(HeatmapCanvas.toArgb(getMarkFill(), 0.35));
        int empty = premultiply(HeatmapCanvas.toArgb(getEmptyFill(), 1));
        int stripW = (int) (cellW - GAP), stripH = (int) (cellH - GAP);
        int maxStep = Math.max(0, ls.latestStep());
        int span = maxStep + 1;
        int kvHeads = Math.max(1, m.kvHeads());
        if (rowColours.length < stripW) {
            rowColours = new int[stripW];
            columnMax = new float[stripW];
        }
        if (evictedColumns.length < kvHeads * stripW) {
            evictedColumns = new boolean[kvHeads * stripW];
        }
        if (evictedStep.length < kvHeads) {
            evictedStep = new int[kvHeads];
        }
        for (int l = 0; l < layers; l++) {
            // Eviction is per KV head: computed once for the query heads sharing it (at one step).
            java.util.Arrays.fill(evictedStep, 0, kvHeads, -1);
            for (int hd = 0; hd < heads; hd++) {
                AttentionFrame f = ls.latestFrame(l, hd);
                int kv = Math.min(model.kvHeadOf(hd), kvHeads - 1);
                boolean hatched = false;
                if (f == null) {
                    java.util.Arrays.fill(rowColours, 0, stripW, empty);
                } else {
                    if (evictedStep[kv] != f.step()) {
                        evictedStep[kv] = f.step();
                        evictedColumns(ls, l, kv, f.step(), span, stripW, evictedColumns, kv * stripW);
                    }
                    float max = columnMaxima(f, span, stripW, columnMax);
                    for (int x = 0; x < stripW; x++) {
                        float v = columnMax[x];
                        if (Float.isNaN(v)) {
                            rowColours[x] = empty;
                        } else if (evictedColumns[kv * stripW + x]) {
                            rowColours[x] = mark;
                            hatched = true;
                        } else {
                            double t = max > 0 ? Math.sqrt(v / max) : 0;
                            rowColours[x] = lut[(int) Math.round(Math.clamp(t, 0, 1) * 255)];
                        }
                    }
                }
                int x0 = (int) (hd * cellW), y0 = (int) (l * cellH);
                for (int y = 0; y < stripH; y++) {
                    int off = (y0 + y) * iw + x0;
                    if (!hatched) {
                        System.arraycopy(rowColours, 0, pixels, off, stripW);
                        continue;
                    }
                    for (int x = 0; x < stripW; x++) {
                        int c = rowColours[x];
                        if (f != null && evictedColumns[kv * stripW + x] && !Float.isNaN(columnMax[x])) {
                            c = ((x + y) % 6) < 2 ? mark : markSoft;
                        }
                        pixels[off + x] = c;
                    }
                }
            }
        }
        pixelBuffer.updateBuffer(b -> null); // null: the whole buffer changed
        g.drawImage(image, 0, 0, iw, ih, gridX, gridY, iw, ih);

        // Labels: heads on top, layers on the left, thinned so they never overlap.
        g.setFill(getTextFill());
        g.setTextAlign(TextAlignment.CENTER);
        g.setTextBaseline(VPos.BOTTOM);
        int hs = Math.max(1, (int) Math.ceil(small.getSize() * 2.4 / cellW));
        for (int hd = 0; hd < heads; hd += hs) {
            g.fillText("H" + hd, cellX(hd) + (cellW - GAP) / 2, gridY - 2);
        }
        g.setTextAlign(TextAlignment.RIGHT);
        g.setTextBaseline(VPos.CENTER);
        int ls2 = Math.max(1, (int) Math.ceil(small.getSize() * 1.2 / cellH));
        for (int l = 0; l < layers; l += ls2) {
            g.fillText("L" + l, gridX - 4, gridY + l * cellH + (cellH - GAP) / 2);
        }
        g.setTextAlign(TextAlignment.LEFT);
        g.setTextBaseline(VPos.BOTTOM);
        g.fillText("lane " + ls.index() + " · step " + maxStep, 0, labelH - 2);
        // KV group separators: heads sharing a KV head sit between thicker gaps.
        int group = m.kvHeads() > 0 ? m.heads() / Math.max(1, m.kvHeads()) : heads;
        g.setStroke(getMutedFill());
        g.setLineWidth(1);
        if (group > 1 && group < heads) {
            for (int hd = group; hd < heads; hd += group) {
                double x = cellX(hd) - GAP / 2 - 0.5;
                g.strokeLine(x, gridY, x, gridY + layers * cellH - GAP);
            }
        }
        if (hoverLayer >= 0 && hoverHead >= 0) {
            g.strokeRect(cellX(hoverHead) - 0.5, gridY + hoverLayer * cellH - 0.5, cellW - GAP + 1, cellH - GAP + 1);
        }
        int sl = model.selection().layer(), sh = model.selection().head();
        if (sl >= 0 && sl < layers && sh >= 0 && sh < heads) {
            g.setStroke(getAccentFill());
            g.setLineWidth(2.5);
            g.strokeRect(cellX(sh) - 1, gridY + sl * cellH - 1, cellW - GAP + 2, cellH - GAP + 2);
        }
    }

    /** The scale's colours premultiplied (the image's own format, so writing needs no conversion). */
    private int[] premultipliedLut() {
        int[] lut = scale.table();
        if (lutPre == null || lutPre.length != lut.length) {
            lutPre = new int[lut.length];
        }
        for (int i = 0; i < lut.length; i++) {
            lutPre[i] = premultiply(lut[i]);
        }
        return lutPre;
    }

    static int premultiply(int argb) {
        int a = argb >>> 24;
        if (a == 255) {
            return argb;
        }
        int r = ((argb >> 16) & 0xFF) * a / 255, g = ((argb >> 8) & 0xFF) * a / 255, b = (argb & 0xFF) * a / 255;
        return (a << 24) | (r << 16) | (g << 8) | b;
    }

    /** Column x of a strip covers positions [p0, p1) of 0..span-1. */
    private static int columnStart(int x, int span, int stripW) {
        return (int) ((long) x * span / stripW);
    }

    private static int columnEnd(int x, int span, int stripW) {
        return Math.max(columnStart(x, span, stripW) + 1, (int) ((long) (x + 1) * span / stripW));
    }

    /**
     * Each column's largest weight per position, read straight from the frame's (sorted) positions or
     * bins; NaN for columns past the frame's step. Returns the largest of them (the head's largest).
     */
    static float columnMaxima(AttentionFrame f, int span, int stripW, float[] out) {
        int fspan = f.step() + 1;
        int[] pos = f.positions();
        float[] wts = f.weights();
        int n = pos.length;
        boolean binned = f.binned();
        float max = 0;
        int i = 0;
        for (int x = 0; x < stripW; x++) {
            int p0 = columnStart(x, span, stripW);
            if (p0 >= fspan) {
                out[x] = Float.NaN;
                continue;
            }
            int p1 = Math.min(columnEnd(x, span, stripW), fspan);
            if (binned) {
                while (i < n && (i + 1 < n ? pos[i + 1] : fspan) <= p0) {
                    i++;
                }
            } else {
                while (i < n && pos[i] < p0) {
                    i++;
                }
            }
            float v = 0;
            for (int j = i; j < n && pos[j] < p1; j++) {
                if (binned) {
                    int end = j + 1 < n ? pos[j + 1] : fspan;
                    v = Math.max(v, wts[j] / Math.max(1, end - pos[j]));
                } else {
                    v = Math.max(v, wts[j]);
                }
            }
            out[x] = v;
            max = Math.max(max, v);
        }
        return max;
    }

    /** Whether most of each column's positions are no longer held by the KV head at {@code step}. */
    private static void evictedColumns(LaneState ls, int layer, int kv, int step, int span, int stripW, boolean[] out,
                                       int offset) {
        int fspan = step + 1;
        for (int x = 0; x < stripW; x++) {
            int p0 = columnStart(x, span, stripW), p1 = Math.min(columnEnd(x, span, stripW), fspan);
            int evicted = 0, n = 0;
            for (int p = p0; p < p1; p++) {
                n++;
                if (!ls.holds(layer, kv, p, step)) {
                    evicted++;
                }
            }
            out[offset + x] = evicted * 2 > n;
        }
    }
}
