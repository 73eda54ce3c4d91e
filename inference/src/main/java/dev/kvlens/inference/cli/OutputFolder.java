package dev.kvlens.inference.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The --out folder of the report commands: made before any compute, so a bad path fails in a second, not after a run. */
final class OutputFolder {

    private OutputFolder() {
    }

    static void prepare(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new BadArgumentException("--out " + dir + " is a file, not a folder");
        }
        Files.createDirectories(dir);
        if (!Files.isWritable(dir)) {
            throw new BadArgumentException("--out " + dir + " is not writable");
        }
    }
}
