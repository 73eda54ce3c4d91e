package dev.kvlens.inference.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;

/** Prints a command-line mistake as one line (picocli's default repeats the whole usage). */
final class UsageErrorHandler implements IParameterExceptionHandler {

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        String message = ex.getMessage() == null ? ex.toString() : ex.getMessage().strip();
        err.println("kvlens: " + message.replace('\n', ' ') + " (see '" + cl.getCommandSpec().qualifiedName()
                + " --help')");
        err.flush();
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }
}
