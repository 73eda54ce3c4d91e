package dev.kvlens.inference.report;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link ComparisonReport} wrote.
 *
 * @param metricsCsv one row per lane x step
 * @param summaryCsv one row per lane
 * @param charts     every chart, in the order the HTML shows them
 * @param html       the self-contained page
 */
public record ReportFiles(Path metricsCsv, Path summaryCsv, List<ChartImage> charts, Path html) {

    public ReportFiles {
        charts = List.copyOf(charts);
    }
}
