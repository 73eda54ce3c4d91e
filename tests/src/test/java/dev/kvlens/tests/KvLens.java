package dev.kvlens.tests;

import dev.kvlens.inference.cli.KvLensCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import picocli.CommandLine;

/** Runs the {@code kvlens} command line in-process, configured as its {@code main} configures it. */
final class KvLens {

    static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));

    private KvLens() {
    }

    static Run run(String... args) {
        CommandLine cl = KvLensCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** One run's exit status and output. */
    record Run(int exitCode, String out, String err) {
    }
}
