package dev.kvlens.inference.report;

import dev.kvlens.inference.session.event.SessionEvent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The outputs of {@code kvlens compare} and {@code kvlens replay}, from a session's events:
 * {@code metrics.csv}, {@code summary.csv}, quality/memory/budget-map charts as PNG and SVG, and a
 * self-contained {@code report.html}. The events may come live from a session or back from a recording.
 */
public final class ComparisonReport {

    static final int LINE_CHART_WIDTH = 1000;
    static final int LINE_CHART_HEIGHT = 560;

    private ComparisonReport() {
    }

    /** {@link #write(List, Path, Map)} with no task scores. */
    public static ReportFiles write(List<? extends SessionEvent> events, Path outDir) throws IOException {
        return write(events, outDir, Map.of());
    }

    /**
     * Writes every output into {@code outDir} (created if missing; existing files of the same names are replaced).
     *
     * @param taskScores score per lane index for the summary's task column; lanes absent get an empty cell
     * @throws IllegalArgumentException when the events hold no SessionStarted or name lanes it did not announce
     */
    public static ReportFiles write(List<? extends SessionEvent> events, Path outDir, Map<Integer, Double> taskScores)
            throws IOException {
        ChartFiles.ensureHeadless();
        SessionTables tables = SessionTables.of(events, taskScores);
        Files.createDirectories(outDir);
        Path metrics = outDir.resolve("metrics.csv");
        Path summary = outDir.resolve("summary.csv");
        MetricsCsv.write(tables, metrics);
        SummaryCsv.write(tables, summary);
        List<ChartImage> charts = charts(tables, outDir);
        Path html = outDir.resolve("report.html");
        ReportHtml.write(tables, charts, html);
        return new ReportFiles(metrics, summary, charts, html);
    }

    private static List<ChartImage> charts(SessionTables t, Path dir) throws IOException {
        List<ChartImage> charts = new ArrayList<>();
        int w = LINE_CHART_WIDTH;
        int h = LINE_CHART_HEIGHT;
        charts.add(ChartFiles.write(QualityCharts.kl(t), "KL divergence from the full cache per step",
                dir, "quality-kl", w, h));
        charts.add(ChartFiles.write(QualityCharts.top1(t), "Top-1 agreement with the full cache, running mean",
                dir, "quality-top1", w, h));
        charts.add(ChartFiles.write(QualityCharts.attentionKept(t), "Share of the full cache's attention on kept entries",
                dir, "quality-attention-kept", w, h));
        charts.add(ChartFiles.write(MemoryChart.of(t), "KV cache bytes per lane, full cache dashed",
                dir, "memory", w, h));
        String line = ReportText.sessionLine(t.started());
        for (LaneSummary lane : t.lanes()) {
            int[][] entries = lane.finalEntries();
            if (entries.length == 0 || entries[0].length == 0 || lane.steps() == 0) {
                continue;
            }
            int lastStep = t.stepsOf(lane.lane().index()).getLast().step();
            int[] size = BudgetMapChart.size(entries.length, entries[0].length);
            charts.add(ChartFiles.write(BudgetMapChart.of(lane, lastStep + 1, line),
                    "Budget map of " + ReportText.laneName(lane.lane()) + ": entries kept per layer and KV head",
                    dir, ReportHtml.BUDGET_MAP_PREFIX + "lane" + lane.lane().index(), size[0], size[1]));
        }
        return charts;
    }
}
