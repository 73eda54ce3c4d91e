package dev.kvlens.inference.cli;

import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.FullKvPolicy;
import dev.kvlens.inference.policy.KvPolicy;
import dev.kvlens.inference.policy.PolicyCache;
import dev.kvlens.inference.policy.PolicyDescriptor;
import dev.kvlens.inference.policy.PolicyLane;
import dev.kvlens.inference.policy.PolicyOption;
import dev.kvlens.inference.policy.PolicyRegistry;
import dev.kvlens.inference.quality.Distributions;
import dev.kvlens.inference.quality.QualityMeter;
import dev.kvlens.inference.quality.StepAttention;
import dev.kvlens.inference.quality.StepQuality;
import dev.kvlens.inference.sampling.Sampler;
import dev.kvlens.inference.tokenizer.TokenDecoder;
import dev.kvlens.inference.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kvlens run}: one policy lane against a full-cache reference lane on the same tokens. The
 * policy lane generates (or is teacher-forced); the reference runs the same tokens, and every
 * prediction is compared (KL, top-1, NLL, attention mass kept, attention-output error).
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Run a prompt under a KV-cache policy next to a full-cache reference on the same tokens,",
                "and report memory (entries per KV head and percent of the full cache) and quality.",
                "stdout: the generated text, a blank line, then the summary block; with --json one JSON object only.",
                "Policies and their options: 'kvlens policies'."})
final class RunCommand extends Subcommand {

    /** Text files larger than this are refused before reading (a prompt, not a corpus). */
    static final long MAX_TEXT_BYTES = 64L << 20;

    private static final String BUDGET_FORMS = "entries per KV head (e.g. 64) or a fraction kept (e.g. 0.25 or 25%)";

    @Option(names = {"-m", "--model"}, paramLabel = "PATH",
            description = "A GGUF file or a Hugging Face model folder. Default: the bundled model.")
    Path model;

    @Option(names = "--policy", required = true, paramLabel = "NAME[:OPT=V,...]",
            description = "The policy and its options, e.g. snapkv:window=16,pooling=avg (see 'kvlens policies').")
    String policySpec;

    @Option(names = "--budget", paramLabel = "B",
            description = "Entries kept per KV head (64) or a fraction kept (0.25 or 25%%); not needed for 'full'.")
    String budgetText;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT",
            description = "The prompt; special tokens such as <s> written in it are recognised.")
    String prompt;

    @Option(names = "--prompt-file", paramLabel = "FILE", description = "Read the prompt from a UTF-8 file.")
    Path promptFile;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N",
            description = "Most tokens to predict (default: 128, or all of --teacher-forced's tokens).")
    Integer maxTokens;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--teacher-forced", paramLabel = "FILE",
            description = "Instead of sampling, feed this UTF-8 text's tokens (no BOS) after the prompt.")
    Path teacherForced;

    @Option(names = "--trace", paramLabel = "OUT.jsonl",
            description = "Write one JSON line per step and per compression decision (written atomically).")
    Path trace;

    @Option(names = "--json", description = "Print one JSON object (ids, text, memory, quality) instead of text and summary.")
    boolean json;

    @Mixin
    ThreadsOption threads;

    @Mixin
    BackendOption backendOption;

    private int compressions;
    private long evictedEntries;

    @Override
    int run() throws IOException {
        checkSampling();
        Budget budget = parseBudget();
        KvPolicy policy = createPolicy(budget);
        String promptText = promptText();
        String forcedText = teacherForced == null ? null : readText(teacherForced, "--teacher-forced");
        threads.apply();
        long usedSeed = sampling.seedForRun();
        Sampler sampler = Sampler.of(sampling.settings(usedSeed));

        try (LoadedModel loaded = backendOption.load(model)) {
            Tokenizer tokenizer = loaded.tokenizer();
            int[] promptIds = tokenizer.encode(promptText, true, true);
            if (promptIds.length == 0) {
                throw new BadArgumentException("the prompt is empty and " + model + " adds no BOS token");
            }
            int context = loaded.config().contextLength();
            if (promptIds.length >= context) {
                throw new BadArgumentException("the prompt has " + promptIds.length + " tokens, the context of "
                        + model + " holds " + context);
            }
            if (policy.budget().isFraction() && policy.budget().entriesFor(promptIds.length) < 1) {
                throw new BadArgumentException("budget " + policy.budget().label() + " of a " + promptIds.length
                        + "-token prompt keeps no entry; give " + BUDGET_FORMS);
            }
            int[] forced = forcedText == null ? null : tokenizer.encode(forcedText, false, false);
            int limit = forced == null ? (maxTokens == null ? 128 : maxTokens)
                    : (maxTokens == null ? forced.length : Math.min(maxTokens, forced.length));
            limit = Math.min(limit, context - promptIds.length);

            try (TraceWriter traceWriter = trace == null ? null : new TraceWriter(trace)) {
                RunSummary summary = runLanes(loaded, policy, promptIds, forced, limit, sampler, usedSeed, traceWriter);
                if (traceWriter != null) {
                    traceWriter.commit();
                }
                PrintWriter out = out();
                if (json) {
                    out.println(Json.write(summary));
                } else {
                    out.println();
                    out.println();
                    printSummary(out, summary);
                }
                out.flush();
            }
        }
        return 0;
    }

    private RunSummary runLanes(LoadedModel loaded, KvPolicy policy, int[] promptIds, int[] forced, int limit,
                                Sampler sampler, long usedSeed, TraceWriter traceWriter) {
        ModelConfig config = loaded.config();
        Tokenizer tokenizer = loaded.tokenizer();
        PolicyLane lane = new PolicyLane(loaded.model(), policy);
        PolicyLane full = new PolicyLane(loaded.model(), FullKvPolicy.create());
        PolicyCache laneCache = lane.cache();
        laneCache.onDecision(record -> {
            compressions++;
            evictedEntries += record.evicted().length;
            if (traceWriter != null) {
                // Called right after the store dropped the evicted entries: what it holds now is what was kept.
                int[] kept = positions(laneCache.head(record.layer(), record.kvHead()));
                traceWriter.write(new TraceCompression(record.step(), record.layer(), record.kvHead(),
                        record.budget() == Integer.MAX_VALUE ? null : record.budget(), kept, record.evicted()));
            }
        });

        PrintWriter out = out();
        TokenDecoder decoder = tokenizer.streamingDecoder();
        StringBuilder text = new StringBuilder();
        int n = promptIds.length;
        StepAttention laneAttention = new StepAttention(config, n - 1);
        StepAttention fullAttention = new StepAttention(config, n - 1);
        float[] laneLogits = limit > 0 ? lane.prefill(promptIds, laneAttention, false) : null;
        float[] fullLogits = limit > 0 ? full.prefill(promptIds, fullAttention, false) : null;

        int[] generated = new int[limit];
        int count = 0;
        String stop = forced == null ? "limit" : "teacher-forced";
        double klSum = 0, nllSum = 0, fullNllSum = 0, massSum = 0, errorSum = 0;
        int agree = 0, massSteps = 0;
        for (int position = n; count < limit; position++) {
            // The sampler may modify what it is given; the logits are still needed for the comparison.
            int token = forced != null ? forced[count] : sampler.sample(laneLogits.clone());
            StepQuality q = QualityMeter.measure(config, position - 1, fullLogits, laneLogits, token, fullAttention,
                    laneAttention);
            double fullNll = Distributions.nll(fullLogits, token);
            klSum += q.klToFull();
            nllSum += q.nll();
            fullNllSum += fullNll;
            agree += q.top1Agrees() ? 1 : 0;
            if (!Double.isNaN(q.attentionMassKept())) {
                massSum += q.attentionMassKept();
                errorSum += q.meanOutputError();
                massSteps++;
            }
            if (traceWriter != null) {
                traceWriter.write(new TraceStep(position, token, tokenizer.piece(token), q.klToFull(), q.top1Agrees(),
                        q.nll(), q.attentionMassKept(), q.meanOutputError(), laneCache.bytes(), full.cache().bytes()));
            }
            generated[count++] = token;
            if (forced == null && tokenizer.isEndOfGeneration(token)) {
                stop = "eos";
                break;
            }
            emit(decoder.accept(token), text, out);
            if (count == limit) {
                break;
            }
            laneAttention = new StepAttention(config, position);
            fullAttention = new StepAttention(config, position);
            laneLogits = lane.step(token, laneAttention);
            fullLogits = full.step(token, fullAttention);
        }
        emit(decoder.flush(), text, out);

        PolicyDescriptor d = policy.descriptor();
        Budget b = policy.budget();
        boolean unlimited = b.label().equals("unlimited");
        double heads = (double) config.layers() * config.kvHeads();
        // Growth slack of the stores is allocation policy, not cache policy: compare the entries held like for like.
        laneCache.trimToSize();
        full.cache().trimToSize();
        long laneEntries = entries(laneCache);
        long fullEntries = entries(full.cache());
        long bytes = laneCache.bytes();
        long fullBytes = full.cache().bytes();
        return new RunSummary(d.id(), d.displayName(), policy.options().values(), d.simulated(), b.label(),
                b.isFraction() || unlimited ? null : b.entriesPerHead(), b.isFraction() ? b.keepFraction() : null,
                promptIds, Arrays.copyOf(generated, count), text.toString(), stop, forced != null, usedSeed, count,
                laneEntries / heads, fullEntries / heads, percent(laneEntries, fullEntries), bytes, fullBytes,
                percent(bytes, fullBytes), compressions, evictedEntries, mean(klSum, count),
                mean(100.0 * agree, count), mean(nllSum, count), mean(fullNllSum, count), mean(massSum, massSteps),
                mean(errorSum, massSteps));
    }

    private void emit(String piece, StringBuilder text, PrintWriter out) {
        if (piece.isEmpty()) {
            return;
        }
        text.append(piece);
        if (!json) {
            out.print(piece);
            out.flush();
        }
    }

    private static void printSummary(PrintWriter out, RunSummary s) {
        out.println("== kvlens run: " + s.policyLabel() + " against the full cache ==");
        String options = s.options().isEmpty() ? "" : " (" + s.options().entrySet().stream().sorted(
                java.util.Map.Entry.comparingByKey()).map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(",")) + ")";
        out.println("policy     " + s.policy() + options + (s.simulated()
                ? "  SIMULATED: entries are masked, memory is not freed" : ""));
        out.println("budget     " + s.budget());
        out.println(String.format(Locale.ROOT, "held       %.1f entries/KV head (full cache: %.1f) = %.1f%% of the full cache kept",
                s.entriesPerKvHead(), s.fullEntriesPerKvHead(), s.percentEntriesKept()));
        out.println(String.format(Locale.ROOT, "memory     %,d bytes held vs %,d bytes for the full cache (%.1f%%)%s",
                s.bytes(), s.fullBytes(), s.percentBytes(), s.simulated() ? " [simulated]" : ""));
        out.println(String.format(Locale.ROOT, "decisions  %d compressions, %d entries evicted",
                s.compressions(), s.evictedEntries()));
        out.println(String.format(Locale.ROOT, "steps      %d %s, stop: %s", s.steps(),
                s.teacherForced() ? "teacher-forced tokens" : "tokens generated by the policy lane", s.stopReason()));
        out.println("quality    mean KL(full || lane) " + figure(s.meanKl(), "%.5f nats")
                + " | top-1 agreement " + figure(s.top1AgreementPercent(), "%.1f%%"));
        out.println("           mean NLL " + figure(s.meanNll(), "%.4f nats") + " (full cache: "
                + figure(s.fullMeanNll(), "%.4f nats") + ")");
        out.println("           attention mass kept " + figure(s.meanAttentionMassKept(), "%.4f")
                + " | attention output error " + figure(s.meanOutputError(), "%.5f"));
    }

    private static String figure(Double value, String format) {
        return value == null ? "n/a" : String.format(Locale.ROOT, format, value);
    }

    private static Double mean(double sum, int count) {
        return count == 0 ? null : TraceStep.finite(sum / count);
    }

    private static double percent(long part, long whole) {
        return whole == 0 ? 100.0 : 100.0 * part / whole;
    }

    private static long entries(KvCache cache) {
        long total = 0;
        for (int l = 0; l < cache.layers(); l++) {
            for (int g = 0; g < cache.kvHeads(); g++) {
                total += cache.head(l, g).size();
            }
        }
        return total;
    }

    private static int[] positions(dev.kvlens.inference.cache.KvHeadStore store) {
        int[] p = new int[store.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = store.position(i);
        }
        Arrays.sort(p);
        return p;
    }

    private void checkSampling() {
        if (maxTokens != null && maxTokens < 0) {
            throw new BadArgumentException("--max-tokens must be >= 0, got " + maxTokens);
        }
        if (maxTokens != null && maxTokens > GenerateCommand.MAX_TOKENS_LIMIT) {
            throw new BadArgumentException("--max-tokens must be at most " + GenerateCommand.MAX_TOKENS_LIMIT
                    + ", got " + maxTokens);
        }
        sampling.check();
    }

    private Budget parseBudget() {
        if (budgetText == null) {
            return null;
        }
        try {
            return Budget.parse(budgetText);
        } catch (IllegalArgumentException e) {
            throw new BadArgumentException("--budget '" + budgetText + "': " + e.getMessage()
                    + (e.getMessage().contains("e.g.") ? "" : "; give " + BUDGET_FORMS));
        }
    }

    /** Makes the policy, refusing unknown names, options and values with the valid ones listed. */
    private KvPolicy createPolicy(Budget budget) {
        String id = policySpec.trim();
        int colon = id.indexOf(':');
        id = (colon < 0 ? id : id.substring(0, colon)).toLowerCase(Locale.ROOT);
        PolicyDescriptor descriptor;
        try {
            descriptor = PolicyRegistry.factory(id).descriptor();
        } catch (IllegalArgumentException e) {
            throw new BadArgumentException("--policy: " + e.getMessage());
        }
        if (budget == null && !descriptor.id().equals(FullKvPolicy.FACTORY.descriptor().id())) {
            throw new BadArgumentException("--budget is required for policy '" + descriptor.id() + "': give "
                    + BUDGET_FORMS);
        }
        KvPolicy policy;
        try {
            policy = PolicyRegistry.create(policySpec, budget == null ? Budget.UNLIMITED : budget);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            throw new BadArgumentException("--policy: " + message
                    + (message.contains("valid options") ? "" : optionList(descriptor)));
        }
        checkNumbers(policy, descriptor);
        return policy;
    }

    /**
     * Options declared as numbers are checked here, before the run, since a policy may read an option
     * only when it first needs it.
     */
    private static void checkNumbers(KvPolicy policy, PolicyDescriptor d) {
        for (PolicyOption o : d.options()) {
            if (!o.choices().isEmpty()) {
                continue;
            }
            String value = policy.options().string(o.name());
            boolean integer = isInteger(o.defaultValue());
            boolean ok = integer ? isInteger(value) : isNumber(value) || !isNumber(o.defaultValue());
            if (!ok) {
                throw new BadArgumentException("--policy: option " + d.id() + ":" + o.name() + " must be "
                        + (integer ? "an integer" : "a number") + ", got '" + value + "'" + optionList(d));
            }
        }
    }

    private static String optionList(PolicyDescriptor d) {
        if (d.options().isEmpty()) {
            return "";
        }
        return " (options of " + d.id() + ": " + d.options().stream().map(o -> o.name() + "=" + o.defaultValue()
                + (o.choices().isEmpty() ? "" : " [" + String.join("|", o.choices()) + "]"))
                .collect(Collectors.joining(", ")) + ")";
    }

    private static boolean isInteger(String s) {
        try {
            Integer.parseInt(s.trim());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean isNumber(String s) {
        try {
            return Double.isFinite(Double.parseDouble(s.trim()));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private String promptText() throws IOException {
        if ((prompt == null) == (promptFile == null)) {
            throw new BadArgumentException("give exactly one of --prompt TEXT and --prompt-file FILE");
        }
        return prompt != null ? prompt : readText(promptFile, "--prompt-file");
    }

    private static String readText(Path file, String option) throws IOException {
        if (Files.isDirectory(file)) {
            throw new BadArgumentException(option + " " + file + " is a folder, not a text file");
        }
        long size = Files.size(file);
        if (size > MAX_TEXT_BYTES) {
            throw new BadArgumentException(option + " " + file + " has " + size + " bytes; at most "
                    + MAX_TEXT_BYTES + " are read");
        }
        // Malformed UTF-8 is refused (MalformedInputException) rather than silently replaced.
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
