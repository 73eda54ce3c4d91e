package dev.kvlens.inference.cli;

import dev.kvlens.inference.ModelFileException;
import dev.kvlens.inference.gguf.GgufFile;
import dev.kvlens.inference.tokenizer.Tokenizer;
import dev.kvlens.inference.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads only the tokenizer of a model: from a GGUF header (the weights are never touched, so a
 * multi-gigabyte file opens as fast as a small one) or from a Hugging Face folder's tokenizer.json.
 */
final class TokenizerFiles {

    private TokenizerFiles() {
    }

    static Tokenizer load(Path path) {
        if (!Files.exists(path)) {
            throw new ModelFileException(path, "no such file or folder");
        }
        if (Files.isDirectory(path)) {
            return Tokenizers.fromHuggingFace(path);
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".json") || name.endsWith(".safetensors")) {
            return Tokenizers.fromHuggingFace(path.toAbsolutePath().getParent());
        }
        // The metadata is copied out of the mapping while parsing, so the file can be closed at once.
        try (GgufFile file = GgufFile.open(path)) {
            return Tokenizers.fromGguf(file.metadata(), path);
        }
    }
}
