package dev.kvlens.inference.cli;

import dev.kvlens.inference.report.ComparisonReport;
import dev.kvlens.inference.report.ReportFiles;
import dev.kvlens.inference.session.Recording;
import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.SessionEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kvlens replay}: the outputs of {@code kvlens compare} again, from a recording, without the model. */
@Command(name = "replay", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Write the outputs of 'kvlens compare' (metrics.csv, summary.csv, charts, report.html)",
                "from a session recording; no model is needed. Task scores come from --task-scores, or from",
                "task.json beside the recording when there is one. stdout gets summary.csv's text and nothing else.",
                "A recording that is corrupt, truncated or of a newer format is refused with one line (exit 2)."})
final class ReplayCommand extends Subcommand {

    @Option(names = {"-i", "--in"}, required = true, paramLabel = "FILE", description = "A recording (.kvrec).")
    Path in;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Folder for the outputs (created; files of the same names are replaced).")
    Path out;

    @Option(names = "--task-scores", paramLabel = "FILE",
            description = "The task.json 'kvlens compare --task' wrote (default: task.json beside the recording).")
    Path taskScores;

    @Override
    int run() throws IOException {
        OutputFolder.prepare(out);
        List<SessionEvent> events = new ArrayList<>();
        // Frames are skipped as they are read: the reports never use them and they are most of a recording.
        Recording.replay(in, e -> {
            if (!(e instanceof AttentionFrame)) {
                events.add(e);
            }
        });
        Map<Integer, Double> scores = Map.of();
        Path sidecar = taskScores != null ? taskScores
                : in.toAbsolutePath().resolveSibling(TaskScores.FILE_NAME);
        if (taskScores != null || Files.isRegularFile(sidecar)) {
            scores = TaskScores.readScores(sidecar);
            err().println("kvlens replay: task scores from " + sidecar);
        }
        ReportFiles files = ComparisonReport.write(events, out, scores);
        out().print(Files.readString(files.summaryCsv(), StandardCharsets.UTF_8));
        out().flush();
        err().printf("kvlens replay: %d events; wrote %s, %s, %d charts (PNG+SVG) and %s%n", events.size(),
                files.metricsCsv().getFileName(), files.summaryCsv().getFileName(), files.charts().size(),
                files.html().getFileName());
        err().flush();
        return 0;
    }
}
