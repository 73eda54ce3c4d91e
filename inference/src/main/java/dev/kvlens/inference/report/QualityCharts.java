package dev.kvlens.inference.report;

import dev.kvlens.inference.session.event.LaneInfo;
import dev.kvlens.inference.session.event.QualitySample;
import org.jfree.chart.JFreeChart;

import java.util.List;

/**
 * Quality against the full cache over steps, one line per lane: KL(full || lane), the running mean of top-1
 * agreement, and the share of the full cache's attention on entries the lane still holds. The full lane is
 * always shown: as its own dashed line, or as a dashed reference at its value by definition (KL 0, 100%)
 * when the session sent no samples for it.
 */
final class QualityCharts {

    static final String STEP_AXIS = "step (token position)";

    private QualityCharts() {
    }

    static JFreeChart kl(SessionTables t) {
        LaneLineChart chart = new LaneLineChart("KL divergence from the full cache",
                STEP_AXIS, "KL(full || lane) (nats)");
        addLines(t, chart, q -> q.klToFull(), false);
        if (!hasQuality(t, 0)) {
            chart.referenceAt(0, "full cache = 0");
        }
        return chart.build(ReportText.sessionLine(t.started()), Double.NaN, Double.NaN, Double.NaN);
    }

    static JFreeChart top1(SessionTables t) {
        LaneLineChart chart = new LaneLineChart("Top-1 agreement with the full cache (running mean)",
                STEP_AXIS, "top-1 agreement so far (%)");
        addLines(t, chart, q -> q.top1Agrees() ? 100.0 : 0.0, true);
        if (!hasQuality(t, 0)) {
            chart.referenceAt(100, "full cache = 100%");
        }
        return chart.build(ReportText.sessionLine(t.started()), 0, 104, 10);
    }

    static JFreeChart attentionKept(SessionTables t) {
        LaneLineChart chart = new LaneLineChart("Attention mass on kept entries",
                STEP_AXIS, "full cache's attention on kept entries (%)");
        addLines(t, chart, q -> 100.0 * q.attentionMassKept(), false);
        if (!hasQuality(t, 0)) {
            chart.referenceAt(100, "full cache = 100%");
        }
        return chart.build(ReportText.sessionLine(t.started()), 0, 104, 10);
    }

    private static boolean hasQuality(SessionTables t, int lane) {
        return lane < t.lanes().size() && t.lanes().get(lane).qualitySteps() > 0;
    }

    private static void addLines(SessionTables t, LaneLineChart chart,
                                 java.util.function.ToDoubleFunction<QualitySample> value, boolean runningMean) {
        for (LaneSummary summary : t.lanes()) {
            LaneInfo lane = summary.lane();
            List<StepMetrics> rows = t.stepsOf(lane.index()).stream().filter(s -> s.quality() != null).toList();
            if (rows.isEmpty()) {
                continue;
            }
            double[] x = new double[rows.size()];
            double[] y = new double[rows.size()];
            double sum = 0;
            int n = 0;
            for (int i = 0; i < rows.size(); i++) {
                x[i] = rows.get(i).step();
                double v = value.applyAsDouble(rows.get(i).quality());
                if (runningMean) {
                    if (Double.isFinite(v)) {
                        sum += v;
                        n++;
                    }
                    y[i] = n == 0 ? Double.NaN : sum / n;
                } else {
                    y[i] = v;
                }
            }
            chart.line(lane.index(), ReportText.laneName(lane), x, y);
        }
    }
}
