package dev.kvlens.inference.report;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.util.ArrayList;
import java.util.List;

/**
 * A line chart with one line per lane over token steps, lane 0 drawn as the dashed reference. Lines are
 * added in lane order so the legend reads like the lanes table.
 */
final class LaneLineChart {

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final XYSeriesCollection data = new XYSeriesCollection();
    private final List<Integer> laneOfSeries = new ArrayList<>();
    private final List<ValueMarker> markers = new ArrayList<>();

    LaneLineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Adds a lane's line; points whose y is not finite are left out. */
    LaneLineChart line(int lane, String name, double[] x, double[] y) {
        XYSeries series = new XYSeries(name, true, true);
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(y[i])) {
                series.addOrUpdate(x[i], y[i]);
            }
        }
        data.addSeries(series);
        laneOfSeries.add(lane);
        return this;
    }

    /** A horizontal reference line (the full cache's value by definition) where its lane sent no samples. */
    LaneLineChart referenceAt(double y, String label) {
        markers.add(ChartStyle.referenceMarker(y, label));
        return this;
    }

    int lines() {
        return data.getSeriesCount();
    }

    /**
     * Builds the chart.
     *
     * @param yLower lower end of the y axis, NaN for automatic (zero included)
     * @param yUpper upper end of the y axis, NaN for automatic
     * @param yTick  y tick spacing, NaN for automatic
     */
    JFreeChart build(String subtitle, double yLower, double yUpper, double yTick) {
        NumberAxis x = new NumberAxis(xLabel);
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setAutoRangeIncludesZero(false);
        NumberAxis y = new NumberAxis(yLabel);
        y.setAutoRangeIncludesZero(true);
        if (!Double.isNaN(yLower) && !Double.isNaN(yUpper)) {
            y.setRange(yLower, yUpper);
        }
        if (!Double.isNaN(yTick)) {
            y.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(yTick));
        }
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < laneOfSeries.size(); i++) {
            int lane = laneOfSeries.get(i);
            renderer.setSeriesPaint(i, ChartStyle.laneColour(lane));
            renderer.setSeriesStroke(i, ChartStyle.laneStroke(lane));
        }
        renderer.setDrawSeriesLineAsPath(true);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        for (ValueMarker marker : markers) {
            plot.addRangeMarker(marker, Layer.FOREGROUND);
        }
        JFreeChart chart = new JFreeChart(title, ChartStyle.TITLE, plot, true);
        return ChartStyle.apply(chart, subtitle);
    }
}
