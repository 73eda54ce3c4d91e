package dev.kvlens.inference.cli;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.profiled.ProfileTable;
import dev.kvlens.inference.policy.profiled.ProfileTables;
import dev.kvlens.inference.policy.profiled.Profiler;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kvlens profile}: makes the offline table a profiled policy (BaKlaVa-like, SurfaceLogicKV-like,
 * FastGen, KVSharer) reads.
 */
@Command(name = "profile", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Profile a model once for a profiled KV-cache policy and write its table (JSON).",
                "Probes are generated from word lists (seeded) with a fact inserted and a question; they are "
                        + "saved in the table. Use the table with e.g. --policy baklava:table=FILE.",
                "kvsharer searches which layers may read a lower layer's cache on short generated calibration "
                        + "texts and writes the layer map."})
final class ProfileCommand extends Subcommand {

    @Option(names = {"-m", "--model"}, paramLabel = "PATH",
            description = "A GGUF file or a Hugging Face model folder. Default: the bundled model.")
    Path model;

    @Option(names = "--policy", required = true, paramLabel = "NAME",
            description = "baklava, surfacelogickv, fastgen or kvsharer.")
    String policy;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the table.")
    Path out;

    @Option(names = "--budget", paramLabel = "FRACTION", defaultValue = "0.25",
            description = "baklava: the average kept fraction the allocation is searched for (default: ${DEFAULT-VALUE}).")
    String budget;

    @Option(names = "--probes", paramLabel = "N", defaultValue = "8",
            description = "Needle probes to run (default: ${DEFAULT-VALUE}).")
    int probes;

    @Option(names = "--sentences", paramLabel = "N", defaultValue = "12",
            description = "Haystack sentences per probe (default: ${DEFAULT-VALUE}).")
    int sentences;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
            description = "Seed of the generated probe text (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--answer-tokens", paramLabel = "N", defaultValue = "4",
            description = "surfacelogickv: answer tokens generated per probe (default: ${DEFAULT-VALUE}).")
    int answerTokens;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "1",
            description = "surfacelogickv: attended positions inspected per answer token (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--importance", paramLabel = "PAIR", defaultValue = "value-output",
            description = "baklava: head input/output compared, value-output or residual-contribution "
                    + "(default: ${DEFAULT-VALUE}).")
    String importance;

    @Option(names = "--share-layers", paramLabel = "N", defaultValue = "4",
            description = "kvsharer: most layers that may share another's cache, capped at layers - 1 "
                    + "(default: ${DEFAULT-VALUE}, the authors' SHARE_LAYERS for 32 layers).")
    int shareLayers;

    @Option(names = "--share-threshold", paramLabel = "COS", defaultValue = "0.5",
            description = "kvsharer: cosine similarity of final hidden states a sharing must exceed "
                    + "(default: ${DEFAULT-VALUE}).")
    double shareThreshold;

    @Option(names = "--calibration-texts", paramLabel = "N", defaultValue = "30",
            description = "kvsharer: generated calibration texts of at most 64 tokens (default: ${DEFAULT-VALUE}).")
    int calibrationTexts;

    @Mixin
    ThreadsOption threads;

    @Mixin
    BackendOption backendOption;

    @Override
    int run() {
        String id = policy.trim().toLowerCase(Locale.ROOT);
        if (!Profiler.policies().contains(id)) {
            throw new BadArgumentException("--policy must be one of " + String.join(", ", Profiler.policies())
                    + ", got '" + policy + "'");
        }
        if (probes < 1 || probes > 10_000 || sentences < 1 || sentences > 10_000) {
            throw new BadArgumentException("--probes and --sentences must be in 1..10000, got " + probes + " and "
                    + sentences);
        }
        if (answerTokens < 1 || answerTokens > 1024 || topK < 1) {
            throw new BadArgumentException("--answer-tokens must be in 1..1024 and --top-k at least 1");
        }
        if (shareLayers < 0 || calibrationTexts < 1 || calibrationTexts > 10_000
                || !(shareThreshold >= -1 && shareThreshold <= 1)) {
            throw new BadArgumentException("--share-layers must be at least 0, --calibration-texts in 1..10000 and "
                    + "--share-threshold in [-1, 1]");
        }
        Budget target;
        try {
            target = Budget.parse(budget);
        } catch (IllegalArgumentException e) {
            throw new BadArgumentException("--budget: " + e.getMessage());
        }
        threads.apply();
        try (LoadedModel loaded = backendOption.load(model)) {
            ProfileTable table = Profiler.profile(loaded, id, target,
                    new Profiler.Settings(probes, sentences, seed, answerTokens, topK, importance, shareLayers,
                            shareThreshold, calibrationTexts));
            ProfileTables.write(table, out);
            String ran = table.kvSharer() != null ? table.kvSharer().texts().size() + " calibration texts"
                    : table.probes().size() + " probes";
            err().printf(Locale.ROOT, "[profile %s of %s: %s, %.2f s -> %s]%n", id, table.model(), ran,
                    table.seconds(), out);
            err().flush();
        }
        return 0;
    }
}
