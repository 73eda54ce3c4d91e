package dev.kvlens.viewer;

import java.util.function.DoubleFunction;
import java.util.function.DoubleUnaryOperator;
import javafx.geometry.Orientation;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.text.Font;
import javafx.scene.text.Text;
import javafx.scene.text.TextAlignment;

/**
 * A colour bar with ticks and a title: which colour means which value. The mapping from bar
 * fraction to value is given as a function, so a legend matches a heatmap's range and gamma
 * ({@code legend.setScale(scale, heatmap::valueAt)}). Optionally shows the "evicted" hatch swatch.
 */
public final class ColorLegend extends StyledView {

    private final Canvas canvas = new Canvas();
    private final Text measure = new Text();
    private final Orientation orientation;
    private ColorScale scale = ColorScale.VIRIDIS;
    private DoubleUnaryOperator valueAt = t -> t;
    private DoubleFunction<String> format = v -> String.format("%.3g", v);
    private String title = "";
    private String markLabel;
    private int ticks = 5;

    public ColorLegend(Orientation orientation) {
        this.orientation = orientation;
        getStyleClass().add("color-legend");
        getChildren().add(canvas);
    }

    /** The scale and the value at each bar fraction t in [0, 1]. */
    public void setScale(ColorScale scale, DoubleUnaryOperator valueAt) {
        this.scale = scale;
        this.valueAt = valueAt;
        requestLayout();
        paint();
    }

    public void setFormat(DoubleFunction<String> format) {
        this.format = format;
        paint();
    }

    public void setTitle(String title) {
        this.title = title;
        requestLayout();
        paint();
    }

    public String title() {
        return title;
    }

    /** Adds a hatched swatch labelled {@code label} (e.g. "evicted"); null removes it. */
    public void setMarkLabel(String label) {
        this.markLabel = label;
        requestLayout();
        paint();
    }

    public void setTicks(int ticks) {
        this.ticks = Math.max(2, ticks);
        paint();
    }

    public ColorScale scale() {
        return scale;
    }

    /** The tick labels as drawn, lowest first. */
    public String[] tickLabels() {
        String[] s = new String[ticks];
        for (int i = 0; i < ticks; i++) {
            s[i] = format.apply(valueAt.applyAsDouble(i / (double) (ticks - 1)));
        }
        return s;
    }

    @Override
    protected void styleChanged() {
        requestLayout();
        paint();
    }

    private double textW(String s, Font f) {
        measure.setFont(f);
        measure.setText(s);
        return measure.getLayoutBounds().getWidth();
    }

    private double labelWidth() {
        double w = 0;
        Font small = scaledFont(0.85);
        for (String s : tickLabels()) {
            w = Math.max(w, textW(s, small));
        }
        return w;
    }

    @Override
    protected double computePrefWidth(double height) {
        double em = getFont().getSize();
        if (orientation == Orientation.VERTICAL) {
            double w = em * 1.2 + 6 + labelWidth();
            w = Math.max(w, textW(title, getFont()));
            if (markLabel != null) {
                w = Math.max(w, em * 1.6 + textW(markLabel, scaledFont(0.85)));
            }
            return snappedLeftInset() + w + snappedRightInset() + 4;
        }
        return snappedLeftInset() + em * 16 + snappedRightInset();
    }

    @Override
    protected double computePrefHeight(double width) {
        double em = getFont().getSize();
        if (orientation == Orientation.VERTICAL) {
            return snappedTopInset() + em * 14 + snappedBottomInset();
        }
        return snappedTopInset() + em * 1.4 + em * 0.9 + em * 1.3 + 6 + snappedBottomInset();
    }

    @Override
    protected void layoutChildren() {
        double x = snappedLeftInset(), y = snappedTopInset();
        canvas.relocate(x, y);
        canvas.setWidth(Math.max(0, Math.floor(getWidth() - x - snappedRightInset())));
        canvas.setHeight(Math.max(0, Math.floor(getHeight() - y - snappedBottomInset())));
        paint();
    }

    private void paint() {
        double w = canvas.getWidth(), h = canvas.getHeight();
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.clearRect(0, 0, w, h);
        if (w < 4 || h < 4) {
            return;
        }
        Font font = getFont();
        Font small = scaledFont(0.85);
        double em = font.getSize();
        g.setFill(getTextFill());
        g.setFont(font);
        g.setTextAlign(TextAlignment.LEFT);
        g.setTextBaseline(VPos.TOP);
        g.fillText(title, 0, 0);
        double top = title.isEmpty() ? 0 : em * 1.4;
        String[] labels = tickLabels();
        g.setFont(small);
        if (orientation == Orientation.VERTICAL) {
            double markH = markLabel == null ? 0 : em * 1.8;
            double barW = em * 1.2, barH = Math.max(10, h - top - markH - small.getSize());
            double y0 = top + small.getSize() * 0.5;
            for (int i = 0; i < barH; i++) {
                g.setFill(scale.color(1 - i / Math.max(1, barH - 1)));
                g.fillRect(0, y0 + i, barW, 1.5);
            }
            g.setStroke(getMutedFill());
            g.strokeRect(0.5, y0 + 0.5, barW, barH);
            g.setFill(getTextFill());
            g.setTextBaseline(VPos.CENTER);
            for (int i = 0; i < labels.length; i++) {
                double y = y0 + barH - i / (double) (labels.length - 1) * barH;
                g.strokeLine(barW, y, barW + 4, y);
                g.fillText(labels[i], barW + 6, y);
            }
            if (markLabel != null) {
                drawMark(g, 0, y0 + barH + em * 0.5, barW, em);
                g.setFill(getTextFill());
                g.fillText(markLabel, barW + 6, y0 + barH + em);
            }
        } else {
            double markW = markLabel == null ? 0 : em * 1.5 + textW(markLabel, small) + em;
            double barW = Math.max(10, w - markW - 1), barH = em * 0.9;
            double x0 = 0;
            double lw0 = textW(labels[0], small) / 2, lw1 = textW(labels[labels.length - 1], small) / 2;
            x0 = lw0;
            barW = Math.max(10, barW - lw0 - lw1);
            for (int i = 0; i < barW; i++) {
                g.setFill(scale.color(i / Math.max(1, barW - 1)));
                g.fillRect(x0 + i, top, 1.5, barH);
            }
            g.setStroke(getMutedFill());
            g.strokeRect(x0 + 0.5, top + 0.5, barW, barH);
            g.setFill(getTextFill());
            g.setTextAlign(TextAlignment.CENTER);
            g.setTextBaseline(VPos.TOP);
            for (int i = 0; i < labels.length; i++) {
                double x = x0 + i / (double) (labels.length - 1) * barW;
                g.strokeLine(x, top + barH, x, top + barH + 3);
                g.fillText(labels[i], x, top + barH + 4);
            }
            if (markLabel != null) {
                double mx = x0 + barW + lw1 + em;
                drawMark(g, mx, top, em * 1.2, barH);
                g.setFill(getTextFill());
                g.setTextAlign(TextAlignment.LEFT);
                g.setTextBaseline(VPos.CENTER);
                g.fillText(markLabel, mx + em * 1.5, top + barH / 2);
            }
        }
    }

    private void drawMark(GraphicsContext g, double x, double y, double w, double h) {
        g.setFill(getMarkFill().deriveColor(0, 1, 1, 0.35));
        g.fillRect(x, y, w, h);
        g.setStroke(getMarkFill());
        g.setLineWidth(1.5);
        g.save();
        g.beginPath();
        g.rect(x, y, w, h);
        g.clip();
        for (double d = -h; d < w + h; d += 5) {
            g.strokeLine(x + d, y + h, x + d + h, y);
        }
        g.restore();
        g.setLineWidth(1);
        g.setStroke(getMutedFill());
        g.strokeRect(x + 0.5, y + 0.5, w, h);
    }
}
