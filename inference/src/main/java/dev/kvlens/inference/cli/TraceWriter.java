package dev.kvlens.inference.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a JSON-lines trace to a temporary file next to the target and renames it into place on
 * {@link #commit()}, so a reader never sees half a trace and a failed run leaves no file behind.
 */
final class TraceWriter implements AutoCloseable {

    private final Path target;
    private final Path temp;
    private final BufferedWriter writer;
    private boolean committed;

    TraceWriter(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (Files.isDirectory(absolute)) {
            throw new BadArgumentException("--trace " + target + " is a folder; give a file name");
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new BadArgumentException("--trace " + target + ": folder " + dir + " does not exist");
        }
        this.target = absolute;
        this.temp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
        this.writer = Files.newBufferedWriter(temp, StandardCharsets.UTF_8);
    }

    /** Appends one event as one line of JSON. */
    void write(Object event) {
        try {
            writer.write(Json.write(event));
            writer.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Flushes and renames the trace into place. */
    void commit() throws IOException {
        writer.close();
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        committed = true;
    }

    /** Without a commit, drops the temporary file. */
    @Override
    public void close() throws IOException {
        if (!committed) {
            writer.close();
            Files.deleteIfExists(temp);
        }
    }
}
