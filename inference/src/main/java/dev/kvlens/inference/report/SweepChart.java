package dev.kvlens.inference.report;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.geom.Ellipse2D;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Quality versus memory for one task: x is the KV cache kept as % of full-cache bytes, y the task score, one
 * line per policy through its budgets (each point the mean over the task's samples). The full cache is the
 * dashed reference line at its mean score.
 */
final class SweepChart {

    private SweepChart() {
    }

    static JFreeChart of(String task, List<SweepRow> rows) {
        Map<String, Map<String, List<SweepRow>>> byPolicy = new LinkedHashMap<>();
        for (SweepRow r : rows) {
            byPolicy.computeIfAbsent(r.policy(), p -> new LinkedHashMap<>())
                    .computeIfAbsent(r.budget(), b -> new ArrayList<>()).add(r);
        }
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        List<ValueMarker> markers = new ArrayList<>();
        int colour = 1;
        for (var policy : byPolicy.entrySet()) {
            boolean full = SweepRow.FULL_POLICY.equals(policy.getKey());
            XYSeries series = new XYSeries(full ? "full cache (reference)" : policy.getKey(), true, true);
            double scoreSum = 0;
            int scoreCount = 0;
            for (List<SweepRow> runs : policy.getValue().values()) {
                double x = mean(runs, true);
                double y = mean(runs, false);
                if (Double.isFinite(x) && Double.isFinite(y)) {
                    series.addOrUpdate(x, y);
                    scoreSum += y;
                    scoreCount++;
                }
            }
            int index = data.getSeriesCount();
            data.addSeries(series);
            int lane = full ? 0 : colour++;
            renderer.setSeriesPaint(index, ChartStyle.laneColour(lane));
            renderer.setSeriesStroke(index, ChartStyle.laneStroke(lane));
            renderer.setSeriesShape(index, new Ellipse2D.Double(-4.5, -4.5, 9, 9));
            if (full && scoreCount > 0) {
                markers.add(ChartStyle.referenceMarker(scoreSum / scoreCount,
                        String.format(Locale.ROOT, "full cache: %.3f", scoreSum / scoreCount)));
            }
        }
        NumberAxis x = new NumberAxis("KV cache kept (% of full-cache bytes)");
        x.setRange(0, 105);
        x.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(10));
        NumberAxis y = new NumberAxis("task score (mean over samples)");
        y.setAutoRangeIncludesZero(true);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        for (ValueMarker m : markers) {
            plot.addRangeMarker(m, Layer.BACKGROUND);
        }
        long samples = rows.stream().mapToInt(SweepRow::sample).distinct().count();
        JFreeChart chart = new JFreeChart("Quality versus memory \u2014 task " + task, ChartStyle.TITLE, plot, true);
        return ChartStyle.apply(chart, String.format(Locale.ROOT, "%d policies \u00b7 %d samples per point \u00b7 "
                + "each point one budget", byPolicy.size() - (byPolicy.containsKey(SweepRow.FULL_POLICY) ? 1 : 0),
                samples));
    }

    private static double mean(List<SweepRow> runs, boolean percent) {
        double sum = 0;
        int n = 0;
        for (SweepRow r : runs) {
            double v = percent ? r.percentKept() : r.score();
            if (Double.isFinite(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
