package dev.kvlens.inference.report;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outputs of {@code kvlens sweep}: {@code sweep.csv} (one row per run) and, per task, a quality-versus-
 * memory chart {@code sweep-<task>.png/.svg}. Columns: policy, budget, task, sample, score, mean_kl (nats),
 * bytes, percent_kept (% of full-cache bytes).
 */
public final class SweepReport {

    static final List<String> HEADER = List.of("policy", "budget", "task", "sample", "score", "mean_kl", "bytes",
            "percent_kept");

    private SweepReport() {
    }

    /** Writes the CSV and one chart per task into {@code outDir} (created if missing). */
    public static SweepFiles write(List<SweepRow> rows, Path outDir) throws IOException {
        ChartFiles.ensureHeadless();
        Files.createDirectories(outDir);
        Path csv = outDir.resolve("sweep.csv");
        try (Writer out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            out.write(CsvText.row(HEADER));
            for (SweepRow r : rows) {
                out.write(CsvText.row(List.of(r.policy(), r.budget(), r.task(), Integer.toString(r.sample()),
                        CsvText.number(r.score()), CsvText.number(r.meanKl()), Long.toString(r.bytes()),
                        CsvText.number(r.percentKept()))));
            }
        }
        Map<String, List<SweepRow>> byTask = new LinkedHashMap<>();
        for (SweepRow r : rows) {
            byTask.computeIfAbsent(r.task(), t -> new ArrayList<>()).add(r);
        }
        List<ChartImage> charts = new ArrayList<>();
        for (var task : byTask.entrySet()) {
            charts.add(ChartFiles.write(SweepChart.of(task.getKey(), task.getValue()),
                    "Quality versus memory, task " + task.getKey(), outDir, "sweep-" + slug(task.getKey()),
                    ComparisonReport.LINE_CHART_WIDTH, ComparisonReport.LINE_CHART_HEIGHT));
        }
        return new SweepFiles(csv, charts);
    }

    /** A file-name-safe form of a task name ("Needle @ 50%" -> "needle-50"). */
    static String slug(String task) {
        String s = task.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        return s.isEmpty() ? "task" : s;
    }
}
