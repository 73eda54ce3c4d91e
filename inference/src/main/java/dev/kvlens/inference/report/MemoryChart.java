package dev.kvlens.inference.report;

import dev.kvlens.inference.session.event.LaneInfo;
import org.jfree.chart.JFreeChart;

import java.util.List;

/**
 * KV cache bytes per lane over steps. The full cache is the dashed reference: lane 0's own bytes, or the
 * full fp32 cache size the samples report when lane 0 sent none.
 */
final class MemoryChart {

    private MemoryChart() {
    }

    static JFreeChart of(SessionTables t) {
        double max = 0;
        for (StepMetrics s : t.steps()) {
            if (s.memory() != null) {
                max = Math.max(max, Math.max(s.memory().totalBytes(), s.memory().fullCacheBytes()));
            }
        }
        ReportText.ByteUnit unit = ReportText.ByteUnit.forMax(max);
        LaneLineChart chart = new LaneLineChart("KV cache memory per lane", QualityCharts.STEP_AXIS,
                "KV cache held (" + unit.name() + ")");
        boolean laneZeroDrawn = false;
        for (LaneSummary summary : t.lanes()) {
            LaneInfo lane = summary.lane();
            List<StepMetrics> rows = t.stepsOf(lane.index()).stream().filter(s -> s.memory() != null).toList();
            if (rows.isEmpty()) {
                continue;
            }
            double[] x = new double[rows.size()];
            double[] y = new double[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                x[i] = rows.get(i).step();
                y[i] = rows.get(i).memory().totalBytes() / unit.bytes();
            }
            chart.line(lane.index(), ReportText.laneName(lane), x, y);
            laneZeroDrawn |= lane.index() == 0;
        }
        if (!laneZeroDrawn) {
            // Every sample carries the full fp32 size at its step: draw it from the first lane that has samples.
            for (LaneSummary summary : t.lanes()) {
                List<StepMetrics> rows = t.stepsOf(summary.lane().index()).stream()
                        .filter(s -> s.memory() != null).toList();
                if (!rows.isEmpty()) {
                    double[] x = new double[rows.size()];
                    double[] y = new double[rows.size()];
                    for (int i = 0; i < rows.size(); i++) {
                        x[i] = rows.get(i).step();
                        y[i] = rows.get(i).memory().fullCacheBytes() / unit.bytes();
                    }
                    chart.line(0, "full fp32 cache (reference)", x, y);
                    break;
                }
            }
        }
        return chart.build(ReportText.sessionLine(t.started()), Double.NaN, Double.NaN, Double.NaN);
    }
}
