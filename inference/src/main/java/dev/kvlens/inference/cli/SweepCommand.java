package dev.kvlens.inference.cli;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.report.StderrProgress;
import dev.kvlens.inference.report.SweepFiles;
import dev.kvlens.inference.report.SweepReport;
import dev.kvlens.inference.report.SweepRow;
import dev.kvlens.inference.session.FrameRequest;
import dev.kvlens.inference.session.LaneConfig;
import dev.kvlens.inference.session.SessionSettings;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.task.LaneScore;
import dev.kvlens.inference.session.task.TaskPrompt;
import dev.kvlens.inference.session.task.TaskScorer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kvlens sweep}: every policy at every budget on every sample of a task (or on a text), as
 * {@code sweep.csv} and one quality-versus-memory chart per task. Lanes are independent and read the same
 * tokens, so up to three policy lanes share one session beside the full-cache lane they are measured
 * against; the full cache gets its own row per sample.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Run every policy at every budget on a task's samples (or a text) and write sweep.csv and,",
                "per task, a quality-versus-memory chart sweep-<task>.png/.svg (one line per policy) into --out.",
                "stdout gets sweep.csv's text and nothing else; progress goes to stderr.",
                "",
                "Scores: --task: 1 when the lane's greedy answer contains the known answer, else 0 (--score exact),",
                "or the answer's mean per-token probability exp(-NLL), teacher-forced (--score answer-prob; graded,",
                "for models too small to answer). --prompt-file: the mean NLL (nats per token) of the text after",
                "its first --prompt-tokens tokens, teacher-forced (lower is better); the task is named 'text'.",
                "mean_kl is KL(full || lane) per step over --max-tokens greedy tokens after the task's prompt",
                "(--prompt-file: over the text); bytes and percent_kept are the lane's cache at the end.",
                ""})
final class SweepCommand extends Subcommand {

    static final String TEXT_TASK = "text";

    @Option(names = {"-m", "--model"}, paramLabel = "PATH",
            description = "A GGUF file or a Hugging Face model folder. Default: the bundled model.")
    Path model;

    @Option(names = "--policies", required = true, paramLabel = "LIST",
            description = "Policies separated by ',' (e.g. snapkv,h2o,streamingllm), or by ';' when any has "
                    + "options (e.g. \"snapkv:window=16,pooling=avg;h2o\").")
    String policies;

    @Option(names = "--budgets", required = true, paramLabel = "LIST",
            description = "Budgets separated by ',': entries per KV head (16,32,64) or fractions kept (0.25 or 25%%).")
    String budgets;

    @Option(names = "--task", paramLabel = "NAMES",
            description = "Built-in tasks, separated by ',': name-recall, needle, passkey.")
    String tasks;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "1",
            description = "--task: instances per task, seeds S, S+1, ... (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--prompt-file", paramLabel = "FILE",
            description = "Instead of a task, score the NLL of this UTF-8 text.")
    Path promptFile;

    @Option(names = "--prompt-tokens", paramLabel = "N",
            description = "--prompt-file: leading tokens prefilled as the prompt (default: half the text's tokens).")
    Integer promptTokens;

    @Option(names = "--score", paramLabel = "exact|answer-prob", defaultValue = "exact",
            description = "--task: how a run is scored (default: ${DEFAULT-VALUE}).")
    String score;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the first task instance (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--filler", paramLabel = "N|fit",
            description = "--task: filler sentences (passkey: filler lines); default 12 (passkey 6); 'fit': as many "
                    + "as the model's context holds with the answer and --max-tokens after the prompt.")
    String filler;

    @Option(names = "--depth", paramLabel = "D|spread", defaultValue = "0.5",
            description = "--task needle/passkey: where the fact goes, 0 to 1 (default: ${DEFAULT-VALUE}); 'spread': "
                    + "the samples' depths evenly from 0 to 1.")
    String depth;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "16",
            description = "--task: greedy tokens after the prompt over which mean_kl is measured "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Folder for the outputs (created; files of the same names are replaced).")
    Path out;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    @Mixin
    ThreadsOption threads;

    @Mixin
    BackendOption backendOption;

    /** One sweep point before it runs: a policy spec at a budget. */
    private record Point(String policy, Budget budget, LaneConfig config) {
    }

    /** What one session says about one lane. */
    private record LaneMeasure(double meanKl, long bytes, double percentKept, double textNll) {
    }

    @Override
    int run() throws IOException {
        List<Point> points = points();
        boolean graded = switch (score.strip().toLowerCase(Locale.ROOT)) {
            case "exact" -> false;
            case "answer-prob" -> true;
            default -> throw new BadArgumentException("--score '" + score + "' is not one of: exact, answer-prob");
        };
        if ((tasks == null) == (promptFile == null)) {
            throw new BadArgumentException("give exactly one of --task NAMES and --prompt-file FILE");
        }
        List<BuiltInTask> taskList = tasks == null ? List.of() : taskList(tasks);
        if (samples < 1 || samples > 10_000) {
            throw new BadArgumentException("--samples must be between 1 and 10000, got " + samples);
        }
        if (maxTokens < 0 || maxTokens > GenerateCommand.MAX_TOKENS_LIMIT) {
            throw new BadArgumentException("--max-tokens must be between 0 and " + GenerateCommand.MAX_TOKENS_LIMIT
                    + ", got " + maxTokens);
        }
        String text = promptFile == null ? null : TextFile.read(promptFile, "--prompt-file");
        OutputFolder.prepare(out);
        threads.apply();

        List<List<Point>> groups = new ArrayList<>();
        for (int i = 0; i < points.size(); i += LaneSpecs.MAX_COMPARED) {
            groups.add(points.subList(i, Math.min(points.size(), i + LaneSpecs.MAX_COMPARED)));
        }
        List<SweepRow> rows = new ArrayList<>();
        try (LoadedModel loaded = backendOption.load(model)) {
            long units = text != null ? groups.size() : (long) taskList.size() * samples * groups.size();
            try (StderrProgress progress = quiet ? StderrProgress.quiet() : StderrProgress.start("sweep", units, "run")) {
                if (text != null) {
                    sweepText(loaded, text, groups, rows, progress);
                } else {
                    TaskInstances instances = new TaskInstances(filler, depth, samples, maxTokens, loaded);
                    for (BuiltInTask t : taskList) {
                        for (int s = 0; s < samples; s++) {
                            TaskPrompt instance = instances.generate(t, seed + s, s);
                            progress.message(t.id + " #" + s);
                            sweepTask(loaded, instance, s, graded, groups, rows, progress);
                        }
                    }
                }
            }
        }
        SweepFiles files = SweepReport.write(rows, out);
        out().print(Files.readString(files.csv(), StandardCharsets.UTF_8));
        out().flush();
        err().printf(Locale.ROOT, "kvlens sweep: %d runs; wrote %s and %d charts (PNG+SVG)%n", rows.size(),
                files.csv().getFileName(), files.charts().size());
        err().flush();
        return 0;
    }

    private void sweepTask(LoadedModel loaded, TaskPrompt t, int sample, boolean graded, List<List<Point>> groups,
                           List<SweepRow> rows, StderrProgress progress) throws IOException {
        int[] promptIds = loaded.tokenizer().encode(t.prompt(), true, false);
        checkPrompt(loaded, promptIds);
        for (int g = 0; g < groups.size(); g++) {
            List<Point> group = groups.get(g);
            List<LaneConfig> lanes = lanes(group, promptIds.length);
            List<LaneScore> scores = TaskScorer.score(loaded, t, lanes);
            SessionSettings settings = SessionSettings.generate(promptIds, maxTokens).withMeasureAttention(false);
            LaneMeasure[] m = measure(SessionRunner.run(loaded, settings, lanes, null, FrameRequest.NONE,
                    StderrProgress.quiet()), lanes.size(), 0, Integer.MAX_VALUE);
            for (int lane = g == 0 ? 0 : 1; lane < lanes.size(); lane++) {
                LaneScore s = scores.get(lane);
                double value = graded ? Math.exp(-s.answerNll()) : s.score();
                rows.add(row(lane == 0 ? null : group.get(lane - 1), t.task(), sample, value, m[lane]));
            }
            progress.step();
        }
    }

    private void sweepText(LoadedModel loaded, String text, List<List<Point>> groups, List<SweepRow> rows,
                           StderrProgress progress) throws IOException {
        int[] all = loaded.tokenizer().encode(text, true, false);
        int p = promptTokens != null ? promptTokens : Math.max(1, all.length / 2);
        if (all.length < 2 || p < 1 || p >= all.length) {
            throw new BadArgumentException("--prompt-tokens must be 1 to " + (all.length - 1) + " of the text's "
                    + all.length + " tokens, got " + p);
        }
        int[] prompt = Arrays.copyOf(all, p);
        checkPrompt(loaded, prompt);
        int[] rest = Arrays.copyOfRange(all, p, all.length);
        for (int g = 0; g < groups.size(); g++) {
            List<Point> group = groups.get(g);
            List<LaneConfig> lanes = lanes(group, p);
            SessionSettings settings = SessionSettings.teacherForced(prompt, rest).withMeasureAttention(false);
            // The quality sample at position i scores the token at i + 1: the text's tokens after the prompt.
            LaneMeasure[] m = measure(SessionRunner.run(loaded, settings, lanes, null, FrameRequest.NONE,
                    StderrProgress.quiet()), lanes.size(), p - 1, all.length - 2);
            for (int lane = g == 0 ? 0 : 1; lane < lanes.size(); lane++) {
                rows.add(row(lane == 0 ? null : group.get(lane - 1), TEXT_TASK, 0, m[lane].textNll(), m[lane]));
            }
            progress.step();
        }
    }

    private static SweepRow row(Point point, String task, int sample, double value, LaneMeasure m) {
        String policy = point == null ? SweepRow.FULL_POLICY : point.policy();
        String budget = point == null ? Budget.UNLIMITED.label() : point.budget().label();
        return new SweepRow(policy, budget, task, sample, value, m.meanKl(), m.bytes(), m.percentKept());
    }

    private static List<LaneConfig> lanes(List<Point> group, int promptLength) {
        List<LaneConfig> compared = group.stream().map(Point::config).toList();
        CompareCommand.checkFractions(compared, promptLength);
        return LaneConfig.withFullReference(compared);
    }

    private static void checkPrompt(LoadedModel loaded, int[] prompt) {
        int context = loaded.config().contextLength();
        if (prompt.length >= context) {
            throw new BadArgumentException("the prompt has " + prompt.length + " tokens, the context of the model "
                    + "holds " + context + "; use a smaller --filler");
        }
    }

    /**
     * Per lane: mean KL and mean NLL over the quality samples at steps {@code [from, to]}, and the cache
     * bytes at the lane's last memory sample.
     */
    static LaneMeasure[] measure(List<SessionEvent> events, int lanes, int from, int to) {
        double[] kl = new double[lanes];
        int[] klCount = new int[lanes];
        double[] nll = new double[lanes];
        int[] nllCount = new int[lanes];
        int[] lastStep = new int[lanes];
        long[] bytes = new long[lanes];
        long[] full = new long[lanes];
        Arrays.fill(lastStep, Integer.MIN_VALUE);
        for (SessionEvent e : events) {
            switch (e) {
                case dev.kvlens.inference.session.event.QualitySample q when q.step() >= from && q.step() <= to -> {
                    if (!Double.isNaN(q.klToFull())) {
                        kl[q.lane()] += q.klToFull();
                        klCount[q.lane()]++;
                    }
                    if (!Double.isNaN(q.nll())) {
                        nll[q.lane()] += q.nll();
                        nllCount[q.lane()]++;
                    }
                }
                case dev.kvlens.inference.session.event.MemorySample s when s.step() >= lastStep[s.lane()] -> {
                    lastStep[s.lane()] = s.step();
                    bytes[s.lane()] = s.totalBytes();
                    full[s.lane()] = s.fullCacheBytes();
                }
                default -> { }
            }
        }
        LaneMeasure[] out = new LaneMeasure[lanes];
        for (int i = 0; i < lanes; i++) {
            out[i] = new LaneMeasure(klCount[i] == 0 ? Double.NaN : kl[i] / klCount[i], bytes[i],
                    full[i] > 0 ? 100.0 * bytes[i] / full[i] : Double.NaN,
                    nllCount[i] == 0 ? Double.NaN : nll[i] / nllCount[i]);
        }
        return out;
    }

    /** Every policy x budget, checked before the model is loaded. */
    private List<Point> points() {
        String p = policies.strip();
        boolean withOptions = p.contains("=") || p.contains(";");
        List<String> specs = new ArrayList<>();
        for (String s : p.split(withOptions ? ";" : ",", -1)) {
            if (s.isBlank()) {
                throw new BadArgumentException("--policies '" + policies + "' has an empty entry; valid policies: "
                        + LaneSpecs.policyIds());
            }
            specs.add(s.strip());
        }
        List<Budget> budgetList = new ArrayList<>();
        for (String b : budgets.split(",", -1)) {
            budgetList.add(LaneSpecs.budget(b.strip(), "--budgets"));
        }
        if (new LinkedHashSet<>(specs).size() < specs.size() || new LinkedHashSet<>(budgetList).size() < budgetList.size()) {
            throw new BadArgumentException("--policies and --budgets must not repeat an entry");
        }
        List<Point> points = new ArrayList<>();
        for (String spec : specs) {
            if (spec.contains("+")) {
                throw new BadArgumentException("policy '" + spec + "': composed policies (a+b) cannot be swept yet");
            }
            for (int i = 0; i < budgetList.size(); i++) {
                String budgetText = budgets.split(",", -1)[i].strip();
                LaneConfig config;
                try {
                    config = LaneConfig.parse(spec, budgetText);
                } catch (IllegalArgumentException e) {
                    String hint = withOptions && String.valueOf(e.getMessage()).contains("not name=value")
                            ? " (policies with options are separated by ';')" : "";
                    throw new BadArgumentException("--policies '" + spec + "': " + e.getMessage() + hint);
                }
                if (config.isFull()) {
                    throw new BadArgumentException("--policies: 'full' is always run as the reference; leave it out");
                }
                points.add(new Point(spec, budgetList.get(i), config));
            }
        }
        return points;
    }

    private static List<BuiltInTask> taskList(String names) {
        List<BuiltInTask> list = new ArrayList<>();
        for (String n : names.split(",", -1)) {
            BuiltInTask t = BuiltInTask.parse(n);
            if (list.contains(t)) {
                throw new BadArgumentException("--task names " + t.id + " twice");
            }
            list.add(t);
        }
        return list;
    }
}
