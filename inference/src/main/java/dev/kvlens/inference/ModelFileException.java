package dev.kvlens.inference;

import java.nio.file.Path;

/**
 * A model, tokenizer or configuration file that cannot be used as it is. The message always names
 * the file, what was wrong and where (a byte offset, a key or a tensor name), so that the command
 * line can print it as the only output and exit with status 2.
 */
public final class ModelFileException extends RuntimeException {

    private final transient Path file;
    private final long offset;

    /** A problem at a byte offset of the file ({@code offset < 0} when no offset applies). */
    public ModelFileException(Path file, long offset, String what) {
        super(format(file, offset, what));
        this.file = file;
        this.offset = offset;
    }

    public ModelFileException(Path file, String what) {
        this(file, -1, what);
    }

    public ModelFileException(Path file, String what, Throwable cause) {
        super(format(file, -1, what), cause);
        this.file = file;
        this.offset = -1;
    }

    public Path file() {
        return file;
    }

    /** Byte offset in the file where the problem was found, or -1. */
    public long offset() {
        return offset;
    }

    private static String format(Path file, long offset, String what) {
        String where = offset >= 0 ? " (at byte " + offset + ")" : "";
        return (file == null ? "<unknown file>" : file.toString()) + ": " + what + where;
    }
}
