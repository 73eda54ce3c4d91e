package dev.kvlens.app;

import dev.kvlens.inference.report.ComparisonReport;
import dev.kvlens.inference.report.ReportFiles;
import dev.kvlens.inference.session.event.SessionEvent;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import javax.imageio.ImageIO;

/** What File > Export writes: a view as PNG, the session's metrics as CSV, its charts as SVG, the HTML report. */
final class Exports {

    private Exports() {
    }

    static void writePng(BufferedImage image, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".part");
        if (!ImageIO.write(image, "png", tmp.toFile())) {
            throw new IOException("no PNG writer");
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The comparison report (metrics.csv, summary.csv, charts PNG+SVG, report.html) into {@code folder}. */
    static ReportFiles report(List<SessionEvent> events, Path folder) throws IOException {
        return ComparisonReport.write(events, folder);
    }

    /** Only the metrics CSV, at {@code file}. */
    static void metricsCsv(List<SessionEvent> events, Path file) throws IOException {
        Path tmp = Files.createTempDirectory("kvlens-csv");
        try {
            ReportFiles r = ComparisonReport.write(events, tmp);
            Files.copy(r.metricsCsv(), file, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            try (var s = Files.walk(tmp)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
