package dev.kvlens.inference.cli;

import dev.kvlens.inference.ModelFileException;
import dev.kvlens.inference.model.BundledModels;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every subcommand shares: output writers, and turning failures into one line on stderr
 * with exit status 2 (bad file, bad argument, I/O) or 1 (a bug), so a user never sees a stack trace
 * unless asked for one.
 */
abstract class Subcommand implements Callable<Integer> {

    static final int EXIT_BAD_INPUT = 2;
    static final int EXIT_INTERNAL_ERROR = 1;

    @Spec
    CommandSpec spec;

    @Option(names = "--debug", description = "Print the stack trace of an error (as does KVLENS_DEBUG=1).")
    boolean debug;

    /** The command's work; returns the exit status. */
    abstract int run() throws IOException;

    @Override
    public final Integer call() {
        try {
            requireModel();
            return run();
        } catch (ModelFileException | BadArgumentException | ParameterException e) {
            return fail(e, e.getMessage(), EXIT_BAD_INPUT);
        } catch (IllegalArgumentException e) {
            // Thrown by the engine for requests it cannot honour (a prompt longer than the context...).
            return fail(e, e.getMessage(), EXIT_BAD_INPUT);
        } catch (IOException e) {
            return fail(e, describe(e), EXIT_BAD_INPUT);
        } catch (UncheckedIOException e) {
            return fail(e, describe(e.getCause()), EXIT_BAD_INPUT);
        } catch (RuntimeException e) {
            return fail(e, "internal error: " + e, EXIT_INTERNAL_ERROR);
        }
    }

    /** A command with {@code --model} needs one: given, or the bundled model (see {@link BundledModelDefault}). */
    private void requireModel() {
        OptionSpec model = spec.findOption(BundledModelDefault.MODEL_OPTION);
        if (model != null && model.getValue() == null) {
            throw new BadArgumentException("no model: give --model PATH (no model is bundled in "
                    + BundledModels.folder().toAbsolutePath() + ")");
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    private int fail(Exception e, String message, int code) {
        PrintWriter err = err();
        err.println("kvlens: " + oneLine(message == null ? e.toString() : message));
        if (debug || "1".equals(System.getenv("KVLENS_DEBUG"))) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    private static String describe(IOException e) {
        // NoSuchFileException and friends carry only the path as their message.
        String name = e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2");
        return e.getMessage() == null ? name : e.getMessage() + " (" + name.toLowerCase(java.util.Locale.ROOT) + ")";
    }

    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
