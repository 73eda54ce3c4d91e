package dev.kvlens.inference.cli;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.ModelFacts;
import dev.kvlens.inference.model.ModelLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kvlens inspect}: a model's shape, weight formats and KV-cache cost. */
@Command(name = "inspect", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Describe a model: shape, RoPE, tensor formats, parameters, tokenizer, KV-cache bytes per token.")
final class InspectCommand extends Subcommand {

    @Option(names = {"-m", "--model"}, paramLabel = "PATH",
            description = "A GGUF file or a Hugging Face model folder. Default: the bundled model.")
    Path model;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Override
    int run() {
        InspectReport report;
        try (LoadedModel loaded = ModelLoader.load(model)) {
            report = report(loaded);
        }
        if (json) {
            out().println(Json.writePretty(report));
        } else {
            printTable(out(), report);
        }
        out().flush();
        return 0;
    }

    static InspectReport report(LoadedModel loaded) {
        ModelConfig c = loaded.config();
        ModelFacts f = loaded.facts();
        RopeReport rope = new RopeReport(c.ropeTheta(), c.ropeDim(), c.ropeStyle().name().toLowerCase(Locale.ROOT),
                c.ropeScaling().type().name().toLowerCase(Locale.ROOT), c.ropeScaling().factor(),
                c.ropeFreqFactors() != null);
        return new InspectReport(f.source().toString(), f.format(), f.fileBytes(), c.architecture().ggufName(),
                c.name(), c.layers(), c.dim(), c.heads(), c.kvHeads(), c.headDim(), c.ffnDim(), c.contextLength(),
                c.vocabularySize(), c.rmsNormEps(), rope, f.tensorTypes(), f.parameters(), f.tokenizer(),
                c.kvBytesPerToken());
    }

    private static void printTable(PrintWriter out, InspectReport r) {
        row(out, "file", r.source());
        row(out, "format", r.format() + ", " + Units.bytes(r.fileBytes()));
        row(out, "architecture", r.architecture());
        row(out, "name", r.name());
        row(out, "layers", r.layers());
        row(out, "dim", r.dim());
        row(out, "heads", r.heads() + " query, " + r.kvHeads() + " KV"
                + (r.heads() != r.kvHeads() ? " (" + r.heads() / r.kvHeads() + " queries share a KV head)" : ""));
        row(out, "head dim", r.headDim());
        row(out, "FFN", r.ffnDim());
        row(out, "context", r.contextLength());
        row(out, "vocabulary", r.vocabularySize());
        row(out, "RMSNorm eps", Float.toString((float) r.rmsNormEps()));
        RopeReport rope = r.rope();
        row(out, "RoPE", String.format(Locale.ROOT, "theta %s, dim %d, %s, scaling %s%s%s",
                Units.number(rope.theta()), rope.dim(), rope.style().replace('_', ' '), rope.scaling(),
                rope.scaling().equals("none") ? "" : " x" + Units.number(rope.scalingFactor()),
                rope.freqFactors() ? ", per-pair frequency factors" : ""));
        row(out, "tensors", r.tensorTypes().entrySet().stream()
                .map(e -> e.getKey() + " x" + e.getValue()).collect(Collectors.joining(", ")));
        row(out, "parameters", String.format(Locale.ROOT, "%,d (%s)", r.parameters(), Units.count(r.parameters())));
        row(out, "tokenizer", r.tokenizer());
        row(out, "KV cache", String.format(Locale.ROOT, "%,d bytes per token (fp32), %s at the full context",
                r.kvBytesPerToken(), Units.bytes(r.kvBytesPerToken() * r.contextLength())));
    }

    private static void row(PrintWriter out, String label, Object value) {
        out.printf(Locale.ROOT, "%-14s %s%n", label, value);
    }
}
