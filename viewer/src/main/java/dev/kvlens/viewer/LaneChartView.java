package dev.kvlens.viewer;

import java.awt.BasicStroke;
import java.awt.Rectangle;
import java.util.List;
import javafx.scene.paint.Color;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.Axis;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.title.Title;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * Base of the JFreeChart-FX charts over steps: one series per lane in a fixed colour-blind-safe
 * palette (lane 0, the full-cache reference, drawn dashed in the theme's text colour), chart text and
 * grid in the view's CSS colours, the chart's own background transparent so the view's CSS
 * background shows. Exports SVG (JFreeSVG) through {@link #toSvg(int, int)}.
 */
public abstract class LaneChartView extends StyledView {

    /** Okabe-Ito colours for lanes 1..3 (lane 0 uses the text colour). */
    private static final java.awt.Color[] LANE_COLOURS = {
        new java.awt.Color(0xE69F00), new java.awt.Color(0x0072B2), new java.awt.Color(0x009E73),
        new java.awt.Color(0xD55E00), new java.awt.Color(0xCC79A7)};

    protected final SessionViewModel model;
    private ChartViewer viewer;
    private JFreeChart chart;
    /** Set when a series appears (it needs its lane style) or the theme changed. */
    private boolean restyle = true;
    private boolean themeChanged;
    /** Set when a new session started: the chart is created anew on the next content rebuild. */
    private boolean sessionChanged;

    protected LaneChartView(SessionViewModel model) {
        this.model = model;
        model.revisionProperty().addListener((o, a, b) -> invalidateContent());
        // A new session rebuilds the chart when the view next shows (creating and drawing a chart
        // took ~50 ms of the JavaFX thread, which hidden views paid on every catch-up with a new session).
        model.sessionProperty().addListener((o, a, b) -> {
            sessionChanged = true;
            invalidateContent();
        });
        setPrefSize(800, 450);
    }

    /** Creates the chart (called again when a new session starts). */
    protected abstract JFreeChart createChart();

    /** Brings the series up to date with the model (chart notifications are off meanwhile). */
    protected abstract void refresh();

    public JFreeChart chart() {
        flush();
        return chart;
    }

    public ChartViewer chartViewer() {
        return viewer;
    }

    protected final void rebuild() {
        chart = createChart();
        if (viewer == null) {
            viewer = new ChartViewer(chart);
            getChildren().add(viewer);
        } else {
            viewer.setChart(chart);
        }
        themeChanged = true;
        restyle = true;
        rebuildContent();
    }

    /**
     * Brings the series up to date with the chart's notifications off, so the viewer redraws once
     * (each series change and style call would otherwise redraw the whole chart synchronously).
     */
    @Override
    protected final void rebuildContent() {
        if (sessionChanged) {
            sessionChanged = false;
            rebuild(); // ends by rebuilding the content
            return;
        }
        if (chart == null) {
            return;
        }
        chart.setNotify(false);
        try {
            if (themeChanged) {
                themeChanged = false;
                applyStyle();
            }
            refresh();
            if (restyle) {
                restyle = false;
                refreshLaneStyles();
            }
        } finally {
            chart.setNotify(true);
        }
    }

    @Override
    protected void layoutChildren() {
        flushIfShowing();
        if (viewer != null) {
            viewer.resizeRelocate(snappedLeftInset(), snappedTopInset(),
                    getWidth() - snappedLeftInset() - snappedRightInset(), getHeight() - snappedTopInset() - snappedBottomInset());
        }
    }

    @Override
    protected void styleChanged() {
        // Several CSS properties change together with a theme: style once, in the next layout.
        themeChanged = true;
        invalidateContent();
    }

    /** The chart as an SVG document of the given size. */
    public String toSvg(int width, int height) {
        flush();
        SVGGraphics2D g = new SVGGraphics2D(width, height);
        chart.draw(g, new Rectangle(width, height));
        return g.getSVGDocument();
    }

    static java.awt.Color awt(Color c) {
        return new java.awt.Color((float) c.getRed(), (float) c.getGreen(), (float) c.getBlue(), (float) c.getOpacity());
    }

    /** Series style for lane {@code lane}: colour, width, dashes for the reference. */
    protected void styleSeries(XYLineAndShapeRenderer r, int series, int lane, boolean dashed) {
        r.setSeriesPaint(series, lane == 0 ? awt(getTextFill()) : LANE_COLOURS[(lane - 1) % LANE_COLOURS.length]);
        float w = (float) Math.max(2, getFont().getSize() / 6);
        r.setSeriesStroke(series, dashed
                ? new BasicStroke(w, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {3 * w, 2 * w}, 0)
                : new BasicStroke(w));
        r.setSeriesShapesVisible(series, false);
    }

    protected static XYLineAndShapeRenderer lines() {
        return new XYLineAndShapeRenderer(true, false);
    }

    /** Text, grid and fonts from CSS; backgrounds transparent so the theme shows through. */
    protected void applyStyle() {
        if (chart == null) {
            return;
        }
        java.awt.Color text = awt(getTextFill()), muted = awt(getMutedFill());
        java.awt.Color grid = new java.awt.Color(muted.getRed(), muted.getGreen(), muted.getBlue(), 90);
        int size = (int) Math.round(getFont().getSize());
        java.awt.Font base = new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, size);
        chart.setBackgroundPaint(null);
        chart.setBackgroundImageAlpha(0f);
        chart.setTextAntiAlias(true);
        chart.setAntiAlias(true);
        if (chart.getTitle() != null) {
            chart.getTitle().setPaint(text);
            chart.getTitle().setFont(base.deriveFont(java.awt.Font.BOLD, size * 1.15f));
        }
        for (Object o : chart.getSubtitles()) {
            if (o instanceof LegendTitle lt) {
                lt.setItemPaint(text);
                lt.setItemFont(base);
                lt.setBackgroundPaint(null);
            } else if (o instanceof TextTitle tt) {
                tt.setPaint(text);
            }
        }
        List<XYPlot> plots = chart.getPlot() instanceof CombinedDomainXYPlot c ? c.getSubplots() : List.of(chart.getXYPlot());
        if (chart.getPlot() instanceof CombinedDomainXYPlot c) {
            c.setBackgroundPaint(null);
            styleAxis(c.getDomainAxis(), text, muted, base);
        }
        for (XYPlot p : plots) {
            p.setBackgroundPaint(null);
            p.setOutlinePaint(muted);
            p.setDomainGridlinePaint(grid);
            p.setRangeGridlinePaint(grid);
            p.setDomainGridlineStroke(new BasicStroke(1f));
            p.setRangeGridlineStroke(new BasicStroke(1f));
            for (int i = 0; i < p.getDomainAxisCount(); i++) {
                styleAxis(p.getDomainAxis(i), text, muted, base);
            }
            for (int i = 0; i < p.getRangeAxisCount(); i++) {
                styleAxis(p.getRangeAxis(i), text, muted, base);
            }
        }
        restyle = true;
    }

    /** Re-applies lane colours (the reference colour follows the theme's text colour). */
    protected abstract void refreshLaneStyles();

    private static void styleAxis(Axis a, java.awt.Color text, java.awt.Color muted, java.awt.Font base) {
        if (a == null) {
            return;
        }
        a.setLabelPaint(text);
        a.setTickLabelPaint(text);
        a.setAxisLinePaint(muted);
        a.setTickMarkPaint(muted);
        a.setLabelFont(base);
        a.setTickLabelFont(base.deriveFont(base.getSize2D() * 0.85f));
    }

    /**
     * Appends the rows of {@code s} (column {@code col}) not yet in {@code series}; restarts it after a
     * rewind. Fires one change event, and only when something changed.
     */
    protected static void sync(XYSeries series, StepSeries s, int col, double scale) {
        int n = s.size();
        boolean stale = series.getItemCount() > n
                || (series.getItemCount() > 0 && series.getX(series.getItemCount() - 1).intValue()
                    != s.step(series.getItemCount() - 1));
        if (stale) {
            series.setNotify(false);
            series.clear();
        }
        boolean changed = stale;
        for (int i = series.getItemCount(); i < n; i++) {
            double v = s.value(i, col);
            series.add(s.step(i), Double.isNaN(v) ? null : v * scale, false);
            changed = true;
        }
        if (stale) {
            series.setNotify(true);
        } else if (changed) {
            series.fireSeriesChanged();
        }
    }

    /** Lane series by lane index, created on demand in {@code dataset} (a new one gets its lane style). */
    protected XYSeries seriesFor(XYSeriesCollection dataset, String key) {
        int i = dataset.getSeriesIndex(key);
        if (i >= 0) {
            return dataset.getSeries(i);
        }
        restyle = true;
        XYSeries s = new XYSeries(key, true, true);
        dataset.addSeries(s);
        return s;
    }

    protected static void removeTitles(JFreeChart c) {
        for (Object t : List.copyOf(c.getSubtitles())) {
            if (!(t instanceof LegendTitle)) {
                c.removeSubtitle((Title) t);
            }
        }
    }
}
