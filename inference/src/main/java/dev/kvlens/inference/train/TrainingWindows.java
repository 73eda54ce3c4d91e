package dev.kvlens.inference.train;

/**
 * The trainer's data: an endless, deterministic stream of windows of {@code context + 1} token ids
 * (inputs are the first {@code context}, targets the last {@code context}), answers marked.
 */
@FunctionalInterface
public interface TrainingWindows {

    /** The next window: fresh arrays of exactly {@code context + 1} ids and marks. */
    MarkedTokens next();
}
