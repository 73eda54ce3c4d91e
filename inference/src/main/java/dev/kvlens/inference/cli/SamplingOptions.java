package dev.kvlens.inference.cli;

import dev.kvlens.inference.sampling.SamplingSettings;
import picocli.CommandLine.Option;

/** The sampling flags shared by the commands that generate text (llama.cpp's defaults). */
final class SamplingOptions {

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8",
            description = "Sampling temperature; 0 picks the most likely token (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40",
            description = "Sample among the K most likely tokens; 0 for all (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95",
            description = "Sample among the most likely tokens whose probabilities reach P (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed of the sampler, to repeat a run exactly (default: a new one each run).")
    Long seed;

    /** Refuses values the sampler cannot use, with the flag named. */
    void check() {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new BadArgumentException("--temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new BadArgumentException("--top-k must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new BadArgumentException("--top-p must be in (0, 1], got " + topP);
        }
    }

    /** The seed given, or a new one for this run (reported so the run can be repeated). */
    long seedForRun() {
        return seed != null ? seed : System.nanoTime() ^ Runtime.getRuntime().freeMemory();
    }

    SamplingSettings settings(long seedForRun) {
        return new SamplingSettings(temperature, topK, topP, seedForRun);
    }
}
