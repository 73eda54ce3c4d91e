package dev.kvlens.inference.cli;

/** An option value the command cannot use; reported as one line with exit status 2. */
final class BadArgumentException extends RuntimeException {

    BadArgumentException(String message) {
        super(message);
    }
}
