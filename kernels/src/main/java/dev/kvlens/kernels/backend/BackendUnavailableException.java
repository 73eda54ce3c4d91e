package dev.kvlens.kernels.backend;

/** A backend that cannot run here: its native libraries failed to load, or its copy of the weights does not fit. */
public final class BackendUnavailableException extends RuntimeException {

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public BackendUnavailableException(String message) {
        super(message);
    }
}
