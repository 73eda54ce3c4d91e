package dev.kvlens.inference.report;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link SweepReport} wrote.
 *
 * @param csv    sweep.csv
 * @param charts one quality-versus-memory chart per task, tasks in first-seen order
 */
public record SweepFiles(Path csv, List<ChartImage> charts) {

    public SweepFiles {
        charts = List.copyOf(charts);
    }
}
