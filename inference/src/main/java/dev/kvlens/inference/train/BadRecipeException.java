package dev.kvlens.inference.train;

/**
 * A training recipe the trainer cannot use: a missing or malformed key, an impossible shape. The
 * command line reports its message as one line with exit status 2 (it is an
 * {@link IllegalArgumentException}, which every subcommand treats as bad input).
 */
public final class BadRecipeException extends IllegalArgumentException {

    public BadRecipeException(String message) {
        super(message);
    }

    public BadRecipeException(String message, Throwable cause) {
        super(message, cause);
    }
}
