package dev.kvlens.inference.cli;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.report.ComparisonReport;
import dev.kvlens.inference.report.ReportFiles;
import dev.kvlens.inference.report.StderrProgress;
import dev.kvlens.inference.sampling.SamplingSettings;
import dev.kvlens.inference.session.FrameRequest;
import dev.kvlens.inference.session.LaneConfig;
import dev.kvlens.inference.session.SessionMode;
import dev.kvlens.inference.session.SessionSettings;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.task.LaneScore;
import dev.kvlens.inference.session.task.TaskPrompt;
import dev.kvlens.inference.session.task.TaskScorer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kvlens compare}: one token stream through the full cache and up to three policy lanes, written
 * out as CSV tables, charts, an HTML report and the session recording.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Run a prompt through the full cache (lane 0, added automatically) and up to 3 policy lanes.",
                "Writes metrics.csv, summary.csv, charts (PNG and SVG), report.html and the recording session.kvrec"
                        + " into --out.",
                "stdout gets summary.csv's text and nothing else; progress goes to stderr.",
                "",
                "Lanes: 'policy[:option=value,...]@budget' separated by ';', e.g.",
                "  --lanes \"snapkv:window=16,pooling=avg@64;h2o@25%%;streamingllm@64\"",
                "or 'policy:budget' pairs separated by ',' (no options), e.g.",
                "  --lanes \"snapkv:64,h2o:64,streamingllm:64\"",
                "A budget is entries per KV head (64) or a fraction kept (0.25 or 25%%).",
                "Policies and their options: 'kvlens policies'.",
                ""})
final class CompareCommand extends Subcommand {

    static final String RECORDING = "session.kvrec";

    @Option(names = {"-m", "--model"}, paramLabel = "PATH",
            description = "A GGUF file or a Hugging Face model folder. Default: the bundled model.")
    Path model;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT",
            description = "The prompt; special tokens such as <s> written in it are recognised.")
    String prompt;

    @Option(names = "--prompt-file", paramLabel = "FILE", description = "Read the prompt from a UTF-8 file.")
    Path promptFile;

    @Option(names = "--task", paramLabel = "NAME",
            description = "A built-in task as the prompt, scored per lane into summary.csv's task_score and "
                    + "task.json: name-recall, needle or passkey.")
    String task;

    @Option(names = "--filler", paramLabel = "N",
            description = "--task: filler sentences (passkey: filler lines); default 12 (passkey 6).")
    Integer filler;

    @Option(names = "--depth", paramLabel = "D", defaultValue = "0.5",
            description = "--task needle/passkey: where the fact goes, 0 (start) to 1 (end) (default: ${DEFAULT-VALUE}).")
    double depth;

    @Option(names = "--lanes", required = true, paramLabel = "LANES",
            description = "The compared lanes (1 to 3), grammar above.")
    String lanes;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "64",
            description = "Tokens read after the prompt at most (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--mode", paramLabel = "teacher|free", defaultValue = "teacher",
            description = "teacher: every lane reads lane 0's tokens, so steps line up and quality is measured; "
                    + "free: each lane generates its own (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
            description = "Sampling temperature; 0 picks the most likely token (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the sampler and of --task's generator (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--frames", paramLabel = "none|binned", defaultValue = "binned",
            description = "Attention frames kept in the recording: binned rows of every head, or none "
                    + "(default: ${DEFAULT-VALUE}).")
    String frames;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Folder for the outputs (created; files of the same names are replaced).")
    Path out;

    @Option(names = "--no-attention-quality",
            description = "Teacher mode: skip attention mass kept and attention-output error (copies every head's "
                    + "weights per step); KL, top-1 and NLL are still measured.")
    boolean noAttentionQuality;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    @Mixin
    ThreadsOption threads;

    @Mixin
    BackendOption backendOption;

    @Override
    int run() throws IOException {
        List<LaneConfig> compared = LaneSpecs.parse(lanes);
        SessionMode sessionMode = parseMode(mode);
        FrameRequest frameRequest = parseFrames(frames);
        checkLimits();
        int sources = (prompt != null ? 1 : 0) + (promptFile != null ? 1 : 0) + (task != null ? 1 : 0);
        if (sources != 1) {
            throw new BadArgumentException("give exactly one of --prompt TEXT, --prompt-file FILE and --task NAME");
        }
        TaskPrompt taskPrompt = task == null ? null : BuiltInTask.parse(task).generate(seed, filler, depth);
        String promptText = taskPrompt != null ? taskPrompt.prompt()
                : prompt != null ? prompt : TextFile.read(promptFile, "--prompt-file");
        OutputFolder.prepare(out);
        threads.apply();

        try (LoadedModel loaded = backendOption.load(model)) {
            // Task texts are plain text: '<s>' in them would be literal, as the task scorer reads them.
            int[] promptIds = loaded.tokenizer().encode(promptText, true, taskPrompt == null);
            if (promptIds.length == 0) {
                throw new BadArgumentException("the prompt is empty and " + model + " adds no BOS token");
            }
            int context = loaded.config().contextLength();
            if (promptIds.length >= context) {
                throw new BadArgumentException("the prompt has " + promptIds.length + " tokens, the context of "
                        + model + " holds " + context);
            }
            checkFractions(compared, promptIds.length);
            List<LaneConfig> all = LaneConfig.withFullReference(compared);
            SamplingSettings sampling = new SamplingSettings(temperature, 0, 1f, seed);
            SessionSettings settings = sessionMode == SessionMode.TEACHER_FORCED
                    ? SessionSettings.generate(promptIds, maxTokens).withSampling(sampling)
                            .withMeasureAttention(!noAttentionQuality)
                    : SessionSettings.freeRunning(promptIds, maxTokens, sampling);

            List<SessionEvent> events;
            int steps = Math.min(maxTokens, context - promptIds.length);
            try (StderrProgress progress = quiet ? StderrProgress.quiet()
                    : StderrProgress.start("compare", steps + 1L, "tok")) {
                events = SessionRunner.run(loaded, settings, all, out.resolve(RECORDING), frameRequest, progress);
            }
            Map<Integer, Double> scores = Map.of();
            if (taskPrompt != null) {
                scores = scoreTask(loaded, taskPrompt, all);
            }
            ReportFiles files = ComparisonReport.write(events, out, scores);
            out().print(Files.readString(files.summaryCsv(), StandardCharsets.UTF_8));
            out().flush();
            err().printf(Locale.ROOT, "kvlens compare: %d lanes, %d prompt tokens; wrote %s, %s, %d charts (PNG+SVG),"
                            + " %s and %s%s%n", all.size(), promptIds.length, files.metricsCsv().getFileName(),
                    files.summaryCsv().getFileName(), files.charts().size(), files.html().getFileName(), RECORDING,
                    taskPrompt == null ? "" : " and " + TaskScores.FILE_NAME);
            err().flush();
        }
        return 0;
    }

    private Map<Integer, Double> scoreTask(LoadedModel loaded, TaskPrompt t, List<LaneConfig> all) throws IOException {
        try (StderrProgress progress = quiet ? StderrProgress.quiet() : StderrProgress.start("task", -1, "lane")) {
            progress.message("scoring " + t.task());
            List<LaneScore> scores = TaskScorer.score(loaded, t, all);
            progress.stepBy(scores.size());
            TaskScores file = new TaskScores(t.task(), seed, t.prompt(), t.answer(), scores);
            file.write(out.resolve(TaskScores.FILE_NAME));
            return file.byLane();
        }
    }

    private void checkLimits() {
        if (maxTokens < 0 || maxTokens > GenerateCommand.MAX_TOKENS_LIMIT) {
            throw new BadArgumentException("--max-tokens must be between 0 and " + GenerateCommand.MAX_TOKENS_LIMIT
                    + ", got " + maxTokens);
        }
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new BadArgumentException("--temperature must be a finite number >= 0, got " + temperature);
        }
        if (task == null && (filler != null)) {
            throw new BadArgumentException("--filler goes with --task");
        }
    }

    static SessionMode parseMode(String text) {
        try {
            return SessionMode.parse(text);
        } catch (IllegalArgumentException e) {
            throw new BadArgumentException("--mode " + e.getMessage() + " (valid: teacher, free)");
        }
    }

    static FrameRequest parseFrames(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "none" -> FrameRequest.NONE;
            case "binned" -> FrameRequest.BINNED;
            default -> throw new BadArgumentException("--frames '" + text + "' is not one of: none, binned");
        };
    }

    /** A fraction that keeps no entry of the prompt is refused before anything runs. */
    static void checkFractions(List<LaneConfig> lanes, int promptLength) {
        for (LaneConfig l : lanes) {
            if (l.budget().isFraction() && l.budget().entriesFor(promptLength) < 1) {
                throw new BadArgumentException("budget " + l.budget().label() + " of lane " + l + " keeps no entry of a "
                        + promptLength + "-token prompt; give more entries per KV head (e.g. 64) or a larger fraction");
            }
        }
    }
}
