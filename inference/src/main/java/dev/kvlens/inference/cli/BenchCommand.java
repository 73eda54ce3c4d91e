package dev.kvlens.inference.cli;

import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.ForwardPass;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import java.io.PrintWriter;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kvlens bench}: prefill and decode speed. Prefill is one batched forward pass over the
 * prompt into a fresh cache; decode is single-token steps after it. No sampling is timed: the
 * tokens come from a fixed sequence, as llama-bench does.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Measure prefill and decode speed in tokens per second.",
                "Warms up until the JIT compiler has settled (or --warmup runs), then runs --repeat times and "
                        + "reports the medians."})
final class BenchCommand extends Subcommand {

    @Option(names = {"-m", "--model"}, paramLabel = "PATH",
            description = "A GGUF file or a Hugging Face model folder. Default: the bundled model.")
    Path model;

    @Option(names = "--prompt-tokens", paramLabel = "N", defaultValue = "128",
            description = "Tokens in the prefill batch (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--gen-tokens", paramLabel = "N", defaultValue = "64",
            description = "Single-token decode steps after the prompt (default: ${DEFAULT-VALUE}).")
    int genTokens;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "5",
            description = "Measured runs after the warm-up (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "20",
            description = {"Most unmeasured runs before the measured ones (default: ${DEFAULT-VALUE}). Warm-up stops "
                    + "earlier, after at least 2 runs, at the first run in which the JIT compiler worked less than "
                    + "1% of the run's time: until then the kernels still run partly as slower code."})
    int warmup;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Option(names = "--idle-listener", description = {"Also time each repeat with an attention listener attached "
            + "that wants nothing (views open, none listening), the two runs alternating, and report both "
            + "and their ratio."})
    boolean idleListener;

    @Mixin
    ThreadsOption threads;

    @Mixin
    BackendOption backendOption;

    @Override
    int run() {
        if (promptTokens < 1) {
            throw new BadArgumentException("--prompt-tokens must be >= 1, got " + promptTokens);
        }
        if (genTokens < 0) {
            throw new BadArgumentException("--gen-tokens must be >= 0, got " + genTokens);
        }
        if (repeat < 1 || repeat > 1000) {
            throw new BadArgumentException("--repeat must be between 1 and 1000, got " + repeat);
        }
        if (warmup < 1 || warmup > 1000) {
            throw new BadArgumentException("--warmup must be between 1 and 1000, got " + warmup);
        }
        int threadCount = threads.apply();
        try (LoadedModel loaded = backendOption.load(model)) {
            ModelConfig c = loaded.config();
            if ((long) promptTokens + genTokens > c.contextLength()) {
                throw new BadArgumentException("--prompt-tokens " + promptTokens + " + --gen-tokens " + genTokens
                        + " exceed the context of " + model + " (" + c.contextLength() + " tokens)");
            }
            int[] tokens = benchTokens(promptTokens + genTokens, c.vocabularySize(), loaded.tokenizer().bos());
            int[] prompt = Arrays.copyOf(tokens, promptTokens);
            ForwardPass pass = loaded.model().newForwardPass();
            double[] prefill = new double[repeat];
            double[] decode = new double[repeat];
            double[] idlePrefill = idleListener ? new double[repeat] : null;
            double[] idleDecode = idleListener ? new double[repeat] : null;
            int warmupRuns = warmUp(pass, loaded, tokens, prompt);
            for (int run = 0; run < repeat; run++) {
                // Alternating which goes first spreads a drifting machine over both.
                boolean idleFirst = run % 2 != 0;
                if (idleListener && idleFirst) {
                    time(pass, loaded, tokens, prompt, IDLE, idlePrefill, idleDecode, run);
                }
                time(pass, loaded, tokens, prompt, null, prefill, decode, run);
                if (idleListener && !idleFirst) {
                    time(pass, loaded, tokens, prompt, IDLE, idlePrefill, idleDecode, run);
                }
            }
            BenchReport report = new BenchReport(model.toString(), c.architecture().ggufName(), c.layers(), c.dim(),
                    c.heads(), c.kvHeads(), c.ffnDim(), c.vocabularySize(), loaded.facts().tensorTypes(), threadCount,
                    loaded.backendDescription(),
                    promptTokens, genTokens, warmupRuns, repeat, median(prefill), median(decode), prefill, decode,
                    idleListener ? median(idlePrefill) : null, idleListener ? median(idleDecode) : null, idlePrefill,
                    idleDecode);
            if (json) {
                out().println(Json.writePretty(report));
            } else {
                printTable(out(), report);
            }
            out().flush();
        }
        return 0;
    }

    /** Attached but wanting nothing: what the engine pays for a listener while no view listens. */
    private static final AttentionListener IDLE = new AttentionListener() {
        @Override
        public boolean wants(int layer, int position) {
            return false;
        }

        @Override
        public void onAttention(HeadAttention attention) {
            throw new IllegalStateException("an idle listener was handed attention");
        }
    };

    /**
     * Unmeasured runs (with and without the idle listener, as measured) until one in which the JIT
     * compiler worked under 1% of the run's wall time, at least 2 and at most {@code --warmup}; the
     * JVM without compilation time monitoring gets all {@code --warmup} runs. Returns how many ran.
     * One fixed warm-up run was not enough: on 2 cores C2 was still compiling during the next four or
     * five runs of the 143 M shape (Q4_0: 47-125 tok/s, against 131-171 from the sixth run on), so the
     * median of 5 measured warm-up as much as speed.
     */
    private int warmUp(ForwardPass pass, LoadedModel loaded, int[] tokens, int[] prompt) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean monitored = jit != null && jit.isCompilationTimeMonitoringSupported();
        for (int run = 1; run <= warmup; run++) {
            long compiled = monitored ? jit.getTotalCompilationTime() : 0;
            long t0 = System.nanoTime();
            time(pass, loaded, tokens, prompt, null, null, null, -1);
            if (idleListener) {
                time(pass, loaded, tokens, prompt, IDLE, null, null, -1);
            }
            double wallMs = (System.nanoTime() - t0) / 1e6;
            if (monitored && run >= 2 && jit.getTotalCompilationTime() - compiled < 0.01 * wallMs) {
                return run;
            }
        }
        return warmup;
    }

    /** One prefill and decode into a fresh cache, recorded at index {@code run} unless it is negative. */
    private void time(ForwardPass pass, LoadedModel loaded, int[] tokens, int[] prompt, AttentionListener listener,
                      double[] prefill, double[] decode, int run) {
        KvCache cache = loaded.model().newFullCache();
        long t0 = System.nanoTime();
        pass.forward(prompt, 0, cache, listener, false);
        long t1 = System.nanoTime();
        for (int i = 0; i < genTokens; i++) {
            pass.forward(new int[] {tokens[promptTokens + i]}, promptTokens + i, cache, listener, false);
        }
        long t2 = System.nanoTime();
        if (run >= 0) {
            prefill[run] = promptTokens * 1e9 / Math.max(1, t1 - t0);
            decode[run] = genTokens == 0 ? 0 : genTokens * 1e9 / Math.max(1, t2 - t1);
        }
    }

    /**
     * A fixed, model-independent sequence of valid ids: BOS first when there is one, then ids
     * spread over the vocabulary by a stride prime to common vocabulary sizes.
     */
    static int[] benchTokens(int n, int vocabularySize, int bos) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = (int) ((101 + 7919L * i) % vocabularySize);
        }
        if (bos >= 0 && bos < vocabularySize) {
            ids[0] = bos;
        }
        return ids;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void printTable(PrintWriter out, BenchReport r) {
        out.printf(Locale.ROOT, "model     %s%n", r.model());
        out.printf(Locale.ROOT, "shape     %s, %d layers, dim %d, %d heads / %d KV, FFN %d, vocabulary %d, %s%n",
                r.architecture(), r.layers(), r.dim(), r.heads(), r.kvHeads(), r.ffnDim(), r.vocabularySize(),
                r.tensorTypes().entrySet().stream().map(e -> e.getKey() + " x" + e.getValue())
                        .collect(Collectors.joining(", ")));
        out.printf(Locale.ROOT, "threads   %d%n", r.threads());
        out.printf(Locale.ROOT, "backend   %s%n", r.backend());
        out.printf(Locale.ROOT, "warm-up   %d runs%n", r.warmupRuns());
        out.printf(Locale.ROOT, "prefill   %10.1f tok/s  (%d tokens in one batch, median of %d)%n",
                r.prefillTokS(), r.promptTokens(), r.repeat());
        out.printf(Locale.ROOT, "decode    %10.1f tok/s  (%d single-token steps after the prompt, median of %d)%n",
                r.decodeTokS(), r.genTokens(), r.repeat());
        if (r.idleListenerPrefillTokS() != null) {
            out.printf(Locale.ROOT, "idle listener attached: prefill %.1f tok/s (%.3fx), decode %.1f tok/s (%.3fx)%n",
                    r.idleListenerPrefillTokS(), r.idleListenerPrefillTokS() / r.prefillTokS(),
                    r.idleListenerDecodeTokS(), r.genTokens() == 0 ? 1 : r.idleListenerDecodeTokS() / r.decodeTokS());
        }
    }
}
