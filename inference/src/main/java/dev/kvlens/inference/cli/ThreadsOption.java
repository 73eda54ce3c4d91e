package dev.kvlens.inference.cli;

import dev.kvlens.kernels.Parallel;
import picocli.CommandLine.Option;

/** {@code --threads N}, for the commands that compute. */
final class ThreadsOption {

    @Option(names = "--threads", paramLabel = "N",
            description = "Threads for matrix products (default: one per core).")
    Integer threads;

    /** Sets the kernels' thread count when the option was given; returns the count in use. */
    int apply() {
        if (threads != null) {
            if (threads < 1 || threads > 4096) {
                throw new BadArgumentException("--threads must be between 1 and 4096, got " + threads);
            }
            Parallel.setThreads(threads);
        }
        return Parallel.threads();
    }
}
