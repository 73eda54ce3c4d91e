package dev.kvlens.inference.cli;

/** What one in-process run of the command line produced. */
record CliResult(int exitCode, String out, String err) {

    /** stderr's lines, for checking that an error is exactly one line. */
    String[] errLines() {
        return err.isEmpty() ? new String[0] : err.split("\\R");
    }
}
