package dev.kvlens.inference.train;

/**
 * The trainer's data: an endless, deterministic stream of windows of {@code context + 1} token ids
 * (inputs are the first {@code context}, targets the last {@code context}).
 */
@FunctionalInterface
public interface TrainingWindows {

    /** The next window; a fresh array of exactly {@code context + 1} ids. */
    int[] next();
}
