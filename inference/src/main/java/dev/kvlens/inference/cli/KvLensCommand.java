package dev.kvlens.inference.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code kvlens} command. Without a subcommand it prints its help: the window that will be the
 * default does not exist yet.
 */
@Command(name = "kvlens",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "KV Lens: a Llama-family inference engine for looking at attention and the KV cache.",
        subcommands = {GenerateCommand.class, TokenizeCommand.class, InspectCommand.class, BenchCommand.class,
                SynthCommand.class, PoliciesCommand.class, RunCommand.class,
                ProfileCommand.class, CompareCommand.class, SweepCommand.class, ReplayCommand.class, HeadsCommand.class,
                TrainCommand.class},
        footer = {"", "Errors in model files or arguments print one line 'kvlens: <message>' and exit with 2.",
                "Add --debug (or set KVLENS_DEBUG=1) to see the stack trace."})
public final class KvLensCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /**
     * The command line as {@link #main} runs it: UTF-8 output and one-line usage errors. Tests use
     * this too, with their own writers.
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new KvLensCommand());
        cl.setParameterExceptionHandler(new UsageErrorHandler());
        cl.setDefaultValueProvider(new BundledModelDefault());
        return cl;
    }

    public static void main(String[] args) {
        CommandLine cl = commandLine();
        cl.setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
        int code = cl.execute(args);
        cl.getOut().flush();
        cl.getErr().flush();
        System.exit(code);
    }
}
