package dev.kvlens.viewer;

import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Each lane's quality against the full cache over steps, as stacked plots sharing the step axis:
 * KL(full || lane) in nats, running top-1 agreement (share of steps so far), NLL of the actual next token, share of the full
 * cache's attention mass the lane holds, and the attention-output error. Lane 0 (the reference) is
 * dashed. One legend for all plots.
 */
public final class QualityChartView extends LaneChartView {

    /** The plots, top to bottom: label and {@link LaneState} quality column and scale. */
    private record Metric(String axis, int column, double scale, String format) {
    }

    private static final List<Metric> METRICS = List.of(
            new Metric("KL (nats)", LaneState.Q_KL, 1, "0.###"),
            new Metric("top-1 agr. (%)", LaneState.Q_TOP1_RUNNING, 100, "0"),
            new Metric("NLL (nats)", LaneState.Q_NLL, 1, "0.##"),
            new Metric("mass kept (%)", LaneState.Q_MASS, 100, "0"),
            new Metric("output err.", LaneState.Q_OUTPUT_ERROR, 1, "0.###"));

    private final List<XYSeriesCollection> datasets = new ArrayList<>();
    private final List<XYLineAndShapeRenderer> renderers = new ArrayList<>();

    public QualityChartView(SessionViewModel model) {
        super(model);
        getStyleClass().add("quality-chart-view");
        setPrefSize(800, 800);
        rebuild();
    }

    /** Datasets per plot, in {@link #METRICS} order (KL, top-1, NLL, mass kept, output error). */
    public List<XYSeriesCollection> datasets() {
        flush();
        return datasets;
    }

    @Override
    protected JFreeChart createChart() {
        datasets.clear();
        renderers.clear();
        NumberAxis x = new NumberAxis("step (token position)");
        x.setAutoRangeIncludesZero(false);
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(x);
        plot.setGap(8);
        for (Metric m : METRICS) {
            XYSeriesCollection d = new XYSeriesCollection();
            NumberAxis y = new NumberAxis(m.axis());
            y.setNumberFormatOverride(new DecimalFormat(m.format()));
            y.setAutoRangeIncludesZero(m.column() != LaneState.Q_NLL);
            if (m.column() == LaneState.Q_TOP1_RUNNING || m.column() == LaneState.Q_MASS) {
                y.setRange(0, 105);
            }
            XYLineAndShapeRenderer r = lines();
            plot.add(new XYPlot(d, null, y, r), 1);
            datasets.add(d);
            renderers.add(r);
        }
        JFreeChart c = new JFreeChart("Quality against the full cache", JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        // One legend: the first plot's items (every plot has the same lanes).
        org.jfree.chart.title.LegendTitle legend = new org.jfree.chart.title.LegendTitle(plot.getSubplots().get(0));
        legend.setPosition(RectangleEdge.BOTTOM);
        c.addSubtitle(legend);
        return c;
    }

    @Override
    protected void refresh() {
        for (int k = 0; k < METRICS.size(); k++) {
            Metric m = METRICS.get(k);
            for (LaneState l : model.lanes()) {
                sync(seriesFor(datasets.get(k), l.displayName()), l.quality(), m.column(), m.scale());
            }
        }
    }

    @Override
    protected void refreshLaneStyles() {
        for (int k = 0; k < renderers.size(); k++) {
            XYSeriesCollection d = datasets.get(k);
            for (int i = 0; i < d.getSeriesCount(); i++) {
                int lane = laneOf((String) d.getSeriesKey(i));
                styleSeries(renderers.get(k), i, lane, lane == 0);
            }
        }
    }

    private int laneOf(String key) {
        for (LaneState l : model.lanes()) {
            if (l.displayName().equals(key)) {
                return l.index();
            }
        }
        return 0;
    }
}
