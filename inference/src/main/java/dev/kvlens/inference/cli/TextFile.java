package dev.kvlens.inference.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A UTF-8 text an option names (a prompt or a text to score), refused before reading when it is not one. */
final class TextFile {

    /** A prompt, not a corpus: larger files are refused before anything is read. */
    static final long MAX_BYTES = 64L << 20;

    private TextFile() {
    }

    static String read(Path file, String option) throws IOException {
        if (Files.isDirectory(file)) {
            throw new BadArgumentException(option + " " + file + " is a folder, not a text file");
        }
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new BadArgumentException(option + " " + file + " has " + size + " bytes; at most " + MAX_BYTES
                    + " are read");
        }
        // Malformed UTF-8 is refused (MalformedInputException) rather than silently replaced.
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
