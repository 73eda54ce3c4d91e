package dev.kvlens.inference.cli;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.session.task.RetrievalHeads;
import dev.kvlens.inference.session.task.RetrievalHeads.HeadScore;
import dev.kvlens.inference.session.task.TaskPrompt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kvlens heads}: which heads read the fact when a task's answer is produced (retrieval heads). */
@Command(name = "heads", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Rank every head by its attention mass on the fact (each occurrence of the answer in the",
                "prompt) while the answer is produced, full cache, averaged over the task's samples."})
final class HeadsCommand extends Subcommand {

    /** One ranked head, as --json prints it. */
    record HeadRow(int layer, int head, double factMass) {
    }

    @Option(names = {"-m", "--model"}, paramLabel = "PATH",
            description = "A GGUF file or a Hugging Face model folder. Default: the bundled model.")
    Path model;

    @Option(names = "--task", paramLabel = "NAME", defaultValue = "passkey",
            description = "name-recall, needle or passkey (default: ${DEFAULT-VALUE}).")
    String task;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "20",
            description = "Instances, seeds S, S+1, ... (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the first instance.")
    long seed;

    @Option(names = "--filler", paramLabel = "N|fit", description = "As for sweep: filler length, or 'fit'.")
    String filler;

    @Option(names = "--depth", paramLabel = "D|spread", defaultValue = "spread",
            description = "As for sweep: where the fact goes (default: ${DEFAULT-VALUE}).")
    String depth;

    @Option(names = "--top", paramLabel = "N", defaultValue = "10", description = "Heads to print (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--json", description = "Print a JSON array instead of a table.")
    boolean json;

    @Mixin
    ThreadsOption threads;

    @Override
    int run() {
        BuiltInTask t = BuiltInTask.parse(task);
        if (samples < 1 || samples > 10_000) {
            throw new BadArgumentException("--samples must be between 1 and 10000, got " + samples);
        }
        if (top < 1) {
            throw new BadArgumentException("--top must be at least 1, got " + top);
        }
        threads.apply();
        List<HeadScore> ranked;
        try (LoadedModel loaded = ModelLoader.load(model)) {
            TaskInstances instances = new TaskInstances(filler, depth, samples, 0, loaded);
            List<TaskPrompt> prompts = new ArrayList<>();
            for (int s = 0; s < samples; s++) {
                prompts.add(instances.generate(t, seed + s, s));
            }
            ranked = RetrievalHeads.rank(loaded, prompts);
        }
        List<HeadScore> shown = ranked.subList(0, Math.min(top, ranked.size()));
        if (json) {
            out().println(Json.writePretty(shown.stream().map(h -> new HeadRow(h.layer(), h.head(), h.factMass()))
                    .toList()));
        } else {
            out().printf(Locale.ROOT, "%-6s %-5s %s%n", "layer", "head", "attention on the fact while answering");
            for (HeadScore h : shown) {
                out().printf(Locale.ROOT, "%-6d %-5d %.4f%n", h.layer(), h.head(), h.factMass());
            }
        }
        out().flush();
        return 0;
    }
}
