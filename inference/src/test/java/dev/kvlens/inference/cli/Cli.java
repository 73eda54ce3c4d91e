package dev.kvlens.inference.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import picocli.CommandLine;

/** Runs {@code kvlens} in-process, as {@link KvLensCommand#main} configures it, with captured output. */
final class Cli {

    static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));
    static final Path STORIES = MODELS.resolve("stories260K.gguf");
    static final Path TINYSTORIES_HF = MODELS.resolve("tinystories-656k");
    static final Path LLAMA_SPM_VOCAB = MODELS.resolve("ggml-vocab/ggml-vocab-llama-spm.gguf");

    private Cli() {
    }

    static CliResult run(String... args) {
        return run(KvLensCommand.commandLine(), args);
    }

    static CliResult run(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliResult(code, out.toString(), err.toString());
    }
}
