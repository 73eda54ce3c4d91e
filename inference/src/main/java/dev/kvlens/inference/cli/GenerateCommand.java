package dev.kvlens.inference.cli;

import dev.kvlens.inference.generate.GenerationResult;
import dev.kvlens.inference.generate.Generator;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.sampling.Sampler;
import dev.kvlens.inference.sampling.SamplingSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kvlens generate}: continues a prompt, streaming the text as it is produced. */
@Command(name = "generate", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Continue a prompt and print the continuation as it is generated.",
                "Timings go to stderr; with --json, stdout gets one JSON object and nothing else."})
final class GenerateCommand extends Subcommand {

    static final int MAX_TOKENS_LIMIT = 1 << 24;

    @Option(names = {"-m", "--model"}, paramLabel = "PATH",
            description = "A GGUF file or a Hugging Face model folder. Default: the bundled model.")
    Path model;

    @Option(names = {"-p", "--prompt"}, required = true, paramLabel = "TEXT",
            description = "The prompt; special tokens such as <s> written in it are recognised.")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "128",
            description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--json", description = "Print one JSON object with ids, text and speeds instead of the text.")
    boolean json;

    @Mixin
    ThreadsOption threads;

    @Mixin
    BackendOption backendOption;

    @Override
    int run() {
        if (maxTokens < 0) {
            throw new BadArgumentException("--max-tokens must be >= 0, got " + maxTokens);
        }
        if (maxTokens > MAX_TOKENS_LIMIT) {
            // The generator sizes its id buffer by this; no model has a context anywhere near it.
            throw new BadArgumentException("--max-tokens must be at most " + MAX_TOKENS_LIMIT + ", got " + maxTokens);
        }
        sampling.check();
        threads.apply();
        long usedSeed = sampling.seedForRun();
        SamplingSettings settings = sampling.settings(usedSeed);

        try (LoadedModel loaded = backendOption.load(model)) {
            int[] promptIds = loaded.tokenizer().encode(prompt, true, true);
            if (promptIds.length == 0) {
                throw new BadArgumentException("the prompt is empty and " + model + " adds no BOS token");
            }
            int context = loaded.config().contextLength();
            if (promptIds.length >= context) {
                throw new BadArgumentException("the prompt has " + promptIds.length + " tokens, the context of "
                        + model + " holds " + context);
            }
            PrintWriter out = out();
            Consumer<String> stream = json ? null : piece -> {
                out.print(piece);
                out.flush();
            };
            GenerationResult r = new Generator(loaded).generate(promptIds, maxTokens, Sampler.of(settings),
                    loaded.model().newFullCache(), stream);
            if (json) {
                out.println(Json.write(new GenerationReport(r.promptIds(), r.generatedIds(), r.text(), r.stopReason(),
                        r.prefillTokensPerSecond(), r.decodeTokensPerSecond(), usedSeed)));
            } else {
                out.println();
                err().printf(Locale.ROOT, "[%d prompt tokens: %.1f tok/s | %d generated: %.1f tok/s | stop: %s]%n",
                        r.promptIds().length, r.prefillTokensPerSecond(), r.generatedIds().length,
                        r.decodeTokensPerSecond(), r.stopReason());
            }
            out.flush();
        }
        return 0;
    }
}
