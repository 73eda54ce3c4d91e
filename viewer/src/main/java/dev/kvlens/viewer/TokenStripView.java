package dev.kvlens.viewer;

import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.ModelInfo;
import java.util.Arrays;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.geometry.Orientation;
import javafx.geometry.Point2D;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.ScrollBar;
import javafx.scene.control.Tooltip;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.ScrollEvent;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.Text;
import javafx.scene.text.TextAlignment;
import javafx.util.Duration;

/**
 * The text as token chips that wrap like prose, each shaded by the attention it receives at the
 * latest step (selected head, the selected layer's heads averaged, or all heads averaged) or by the
 * share of (layer, KV head) pairs still holding it; tokens nobody holds are hatched. Hover shows
 * per-layer detail; click selects the position. In difference mode a chip is coloured by this lane
 * minus the full cache (lane 0). Chips are painted on one canvas (only the visible ones), scrolled
 * by a scroll bar whose value ({@link #scrollProperty()}) other strips can bind to.
 */
public final class TokenStripView extends StyledView {

    /** What a chip's colour means. */
    public enum Shading { SELECTED_HEAD, SELECTED_LAYER, ALL_HEADS, HEADS_KEEPING }

    private final SessionViewModel model;
    private final Canvas canvas = new Canvas();
    private final ScrollBar scrollBar = new ScrollBar();
    private final ColorLegend legend = new ColorLegend(Orientation.HORIZONTAL);
    private final Tooltip tooltip = new Tooltip();
    private final Text measure = new Text();
    private final ObjectProperty<Shading> shading = new SimpleObjectProperty<>(this, "shading", Shading.SELECTED_HEAD);
    private final BooleanProperty difference = new SimpleBooleanProperty(this, "difference", false);
    private final IntegerProperty lane = new SimpleIntegerProperty(this, "lane", -1);
    private double[] xs = new double[0], ys = new double[0], ws = new double[0];
    private float[] values = new float[0];
    private boolean[] unheld = new boolean[0];
    private double chipH;
    private double contentH;
    private boolean dirty = true;
    private float range = 1;

    public TokenStripView(SessionViewModel model) {
        this.model = model;
        getStyleClass().add("token-strip-view");
        scrollBar.setOrientation(Orientation.VERTICAL);
        scrollBar.valueProperty().addListener((o, a, b) -> repaint());
        legend.setMarkLabel("held by no KV head");
        getChildren().addAll(canvas, scrollBar, legend);
        tooltip.setShowDelay(Duration.millis(80));
        Tooltip.install(canvas, tooltip);
        model.revisionProperty().addListener((o, a, b) -> repaint());
        model.selection().layerProperty().addListener((o, a, b) -> repaint());
        model.selection().headProperty().addListener((o, a, b) -> repaint());
        model.selection().laneProperty().addListener((o, a, b) -> repaint());
        model.selection().positionProperty().addListener((o, a, b) -> repaint());
        shading.addListener((o, a, b) -> repaint());
        difference.addListener((o, a, b) -> repaint());
        lane.addListener((o, a, b) -> repaint());
        canvas.addEventHandler(MouseEvent.MOUSE_MOVED, e -> {
            int p = positionAt(e.getX(), e.getY());
            model.selection().hoverPositionProperty().set(p);
            String t = p < 0 ? null : tooltipText(p);
            tooltip.setText(t == null ? "" : t);
            if (t == null) {
                tooltip.hide();
            }
        });
        canvas.addEventHandler(MouseEvent.MOUSE_EXITED, e -> model.selection().hoverPositionProperty().set(-1));
        canvas.addEventHandler(MouseEvent.MOUSE_CLICKED, e -> {
            int p = positionAt(e.getX(), e.getY());
            if (p >= 0) {
                model.selection().positionProperty().set(p);
            }
        });
        canvas.addEventHandler(ScrollEvent.SCROLL, e -> {
            scrollBar.setValue(Math.clamp(scrollBar.getValue() - e.getDeltaY(), 0, scrollBar.getMax()));
            e.consume();
        });
        setPrefSize(800, 300);
    }

    public ObjectProperty<Shading> shadingProperty() {
        return shading;
    }

    public BooleanProperty differenceProperty() {
        return difference;
    }

    /** Lane shown; -1 (default) follows the selection. */
    public IntegerProperty laneProperty() {
        return lane;
    }

    /** Vertical scroll offset in pixels (bind bidirectionally to scroll strips together). */
    public DoubleProperty scrollProperty() {
        return scrollBar.valueProperty();
    }

    public Tooltip tooltip() {
        return tooltip;
    }

    public ColorLegend legend() {
        return legend;
    }

    /** The value a chip is coloured by (NaN when none). */
    public float value(int position) {
        if (dirty) {
            compute(); // up to date even before the next layout pass paints it
        }
        return position < values.length ? values[position] : Float.NaN;
    }

    /** Centre of a token's chip in this view's coordinates (null when not laid out). */
    public Point2D chipCenter(int position) {
        if (position >= xs.length) {
            return null;
        }
        return new Point2D(canvas.getLayoutX() + xs[position] + ws[position] / 2,
                canvas.getLayoutY() + ys[position] - scrollBar.getValue() + chipH / 2);
    }

    public void repaint() {
        dirty = true;
        requestLayout();
    }

    @Override
    protected void styleChanged() {
        repaint();
    }

    private int laneShown() {
        return lane.get() >= 0 ? lane.get() : model.selection().lane();
    }

    @Override
    protected void layoutChildren() {
        double x = snappedLeftInset(), y = snappedTopInset();
        double w = getWidth() - x - snappedRightInset(), h = getHeight() - y - snappedBottomInset();
        double lh = legend.prefHeight(-1);
        double sw = scrollBar.prefWidth(-1);
        legend.resizeRelocate(x, y + h - lh, Math.min(w, getFont().getSize() * 34), lh);
        double ch = Math.floor(Math.max(0, h - lh - 4)), cw = Math.floor(Math.max(0, w - sw - 2));
        scrollBar.resizeRelocate(x + w - sw, y, sw, ch);
        canvas.relocate(x, y);
        if (canvas.getWidth() != cw || canvas.getHeight() != ch) {
            canvas.setWidth(cw);
            canvas.setHeight(ch);
            dirty = true;
        }
        if (dirty) {
            dirty = false;
            compute();
            flow(cw);
            scrollBar.setMax(Math.max(0, contentH - ch));
            scrollBar.setVisibleAmount(ch);
            scrollBar.setVisible(contentH > ch);
            paint();
        }
    }

    private double textW(String s, Font f) {
        measure.setFont(f);
        measure.setText(s);
        return measure.getLayoutBounds().getWidth();
    }

    private void flow(double width) {
        LaneState ls = model.lane(laneShown());
        int n = ls == null ? 0 : ls.positions();
        Font f = getFont();
        chipH = Math.ceil(f.getSize() * 1.7);
        double gap = Math.ceil(f.getSize() * 0.25), pad = Math.ceil(f.getSize() * 0.35);
        xs = new double[n];
        ys = new double[n];
        ws = new double[n];
        double x = 0, y = 0;
        for (int p = 0; p < n; p++) {
            double w = Math.min(width, textW(TokenText.display(ls.piece(p)), f) + 2 * pad);
            if (x > 0 && x + w > width) {
                x = 0;
                y += chipH + gap;
            }
            xs[p] = x;
            ys[p] = y;
            ws[p] = w;
            x += w + gap;
        }
        contentH = n == 0 ? 0 : y + chipH + gap;
    }

    private int positionAt(double x, double y) {
        double cy = y + scrollBar.getValue();
        for (int p = 0; p < xs.length; p++) {
            if (x >= xs[p] && x < xs[p] + ws[p] && cy >= ys[p] && cy < ys[p] + chipH) {
                return p;
            }
        }
        return -1;
    }

    /** Per position: the shading value at the lane's latest step (attention or share kept). */
    private float[] valuesFor(LaneState ls) {
        ModelInfo m = model.model();
        int n = ls.positions();
        float[] v = new float[n];
        Arrays.fill(v, Float.NaN);
        if (m == null) {
            return v;
        }
        int layer = model.selection().layer(), head = model.selection().head();
        switch (shading.get()) {
            case SELECTED_HEAD -> addFrames(ls, layer, layer, head, head, v);
            case SELECTED_LAYER -> addFrames(ls, layer, layer, 0, m.heads() - 1, v);
            case ALL_HEADS -> addFrames(ls, 0, m.layers() - 1, 0, m.heads() - 1, v);
            case HEADS_KEEPING -> {
                int step = ls.latestStep();
                for (int p = 0; p < n; p++) {
                    int held = 0;
                    for (int l = 0; l < m.layers(); l++) {
                        for (int g = 0; g < m.kvHeads(); g++) {
                            held += ls.holds(l, g, p, step) ? 1 : 0;
                        }
                    }
                    v[p] = held / (float) (m.layers() * m.kvHeads());
                }
            }
        }
        return v;
    }

    private static void addFrames(LaneState ls, int l0, int l1, int h0, int h1, float[] v) {
        int count = 0;
        float[] sum = new float[v.length];
        for (int l = l0; l <= l1; l++) {
            for (int h = h0; h <= h1; h++) {
                AttentionFrame f = ls.latestFrame(l, h);
                if (f == null) {
                    continue;
                }
                count++;
                for (int p = 0; p <= f.step() && p < v.length; p++) {
                    sum[p] += (float) HeadGridView.weightAt(f, p);
                }
            }
        }
        if (count > 0) {
            for (int p = 0; p < v.length; p++) {
                v[p] = sum[p] / count;
            }
        }
    }

    private void compute() {
        LaneState ls = model.lane(laneShown());
        ModelInfo m = model.model();
        if (ls == null || m == null) {
            values = new float[0];
            unheld = new boolean[0];
            return;
        }
        values = valuesFor(ls);
        boolean diff = difference.get() && ls.index() != 0 && model.lane(0) != null;
        if (diff) {
            float[] ref = valuesFor(model.lane(0));
            for (int p = 0; p < values.length; p++) {
                float r = p < ref.length ? ref[p] : Float.NaN;
                values[p] = Float.isNaN(values[p]) || Float.isNaN(r) ? Float.NaN : values[p] - r;
            }
        }
        unheld = new boolean[values.length];
        int step = ls.latestStep();
        for (int p = 0; p < values.length && p <= step; p++) {
            boolean any = false;
            for (int l = 0; l < m.layers() && !any; l++) {
                for (int g = 0; g < m.kvHeads() && !any; g++) {
                    any = ls.holds(l, g, p, step);
                }
            }
            unheld[p] = !any;
        }
        float max = 0;
        for (float f : values) {
            if (!Float.isNaN(f)) {
                max = Math.max(max, Math.abs(f));
            }
        }
        range = shading.get() == Shading.HEADS_KEEPING && !diff ? 1 : Math.max(max, 1e-6f);
        ColorScale sc = diff ? ColorScale.BLUE_WHITE_RED : ColorScale.VIRIDIS;
        String what = shading.get() == Shading.HEADS_KEEPING ? "share of KV heads holding"
                : "attention received" + (shading.get() == Shading.SELECTED_HEAD ? " (selected head)"
                : shading.get() == Shading.SELECTED_LAYER ? " (layer average)" : " (all heads)");
        legend.setTitle(diff ? what + ": lane − full" : what);
        float rg = range;
        if (diff) {
            legend.setScale(sc, t -> (2 * t - 1) * rg);
            legend.setFormat(v -> String.format("%+.3f", v));
        } else {
            legend.setScale(sc, t -> t * rg);
            legend.setFormat(v -> String.format("%.3f", v));
        }
    }

    private void paint() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        double w = canvas.getWidth(), h = canvas.getHeight();
        g.clearRect(0, 0, w, h);
        LaneState ls = model.lane(laneShown());
        if (ls == null) {
            return;
        }
        boolean diff = difference.get() && ls.index() != 0;
        ColorScale sc = diff ? ColorScale.BLUE_WHITE_RED : ColorScale.VIRIDIS;
        Font f = getFont();
        g.setFont(f);
        g.setTextAlign(TextAlignment.CENTER);
        g.setTextBaseline(VPos.CENTER);
        double off = scrollBar.getValue();
        double arc = f.getSize() * 0.5;
        int sel = model.selection().position();
        for (int p = 0; p < xs.length; p++) {
            double y = ys[p] - off;
            if (y + chipH < 0 || y > h) {
                continue;
            }
            float v = value(p);
            Color fill;
            Color text;
            if (Float.isNaN(v)) {
                fill = getEmptyFill();
                text = getTextFill();
            } else {
                double t = diff ? 0.5 + 0.5 * Math.signum(v) * Math.sqrt(Math.abs(v) / range)
                        : Math.sqrt(Math.max(0, v) / range);
                int argb = sc.argb(t);
                fill = sc.color(t);
                text = ColorScale.prefersDarkText(argb) ? Color.BLACK : Color.WHITE;
            }
            g.setFill(fill);
            g.fillRoundRect(xs[p], y, ws[p], chipH, arc, arc);
            if (p < unheld.length && unheld[p]) {
                g.save();
                g.beginPath();
                g.rect(xs[p], y, ws[p], chipH);
                g.clip();
                g.setFill(getMarkFill().deriveColor(0, 1, 1, 0.35));
                g.fillRect(xs[p], y, ws[p], chipH);
                g.setStroke(getMarkFill());
                for (double d = -chipH; d < ws[p] + chipH; d += 6) {
                    g.strokeLine(xs[p] + d, y + chipH, xs[p] + d + chipH, y);
                }
                g.restore();
                text = getTextFill();
            }
            g.setFill(text);
            g.fillText(TokenText.display(ls.piece(p)), xs[p] + ws[p] / 2, y + chipH / 2, ws[p] - 2);
            if (p == sel) {
                g.setStroke(getAccentFill());
                g.setLineWidth(2.5);
                g.strokeRoundRect(xs[p] - 1, y - 1, ws[p] + 2, chipH + 2, arc, arc);
                g.setLineWidth(1);
            }
        }
    }

    /** Per-layer detail for one position: attention averaged over each layer's heads and KV heads holding it. */
    public String tooltipText(int p) {
        LaneState ls = model.lane(laneShown());
        ModelInfo m = model.model();
        if (ls == null || m == null || p < 0 || p >= ls.positions()) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        b.append("position ").append(p).append(" \"").append(TokenText.display(ls.piece(p))).append("\"");
        float v = value(p);
        if (!Float.isNaN(v)) {
            b.append(String.format(difference.get() && ls.index() != 0 ? "  (lane − full %+.4f)" : "  (%.4f)", v));
        }
        int step = ls.latestStep();
        for (int l = 0; l < m.layers(); l++) {
            double sum = 0;
            int n = 0;
            for (int h = 0; h < m.heads(); h++) {
                AttentionFrame f = ls.latestFrame(l, h);
                if (f != null && p <= f.step()) {
                    sum += HeadGridView.weightAt(f, p);
                    n++;
                }
            }
            int held = 0;
            for (int g = 0; g < m.kvHeads(); g++) {
                held += ls.holds(l, g, p, step) ? 1 : 0;
            }
            b.append(String.format("%nL%-3d %s  kept by %d/%d KV heads", l,
                    n == 0 ? "   —   " : String.format("%.4f", sum / n), held, m.kvHeads()));
        }
        return b.toString();
    }
}
