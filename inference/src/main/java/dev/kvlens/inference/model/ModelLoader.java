package dev.kvlens.inference.model;

import dev.kvlens.inference.ModelFileException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens whatever the user points at: a GGUF file, or a Hugging Face folder (or a file inside one). */
public final class ModelLoader {

    private ModelLoader() {
    }

    public static LoadedModel load(Path path) {
        if (!Files.exists(path)) {
            throw new ModelFileException(path, "no such file or folder");
        }
        if (Files.isDirectory(path)) {
            return HuggingFaceModelLoader.load(path);
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".safetensors") || name.equals("config.json") || name.endsWith(".safetensors.index.json")) {
            return HuggingFaceModelLoader.load(path.toAbsolutePath().getParent());
        }
        byte[] magic = new byte[4];
        try (InputStream in = Files.newInputStream(path)) {
            int read = in.readNBytes(magic, 0, 4);
            if (read == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F') {
                return GgufModelLoader.load(path);
            }
        } catch (IOException e) {
            throw new ModelFileException(path, "cannot read: " + e.getMessage(), e);
        }
        // Let the GGUF reader explain what it found instead of the magic.
        return GgufModelLoader.load(path);
    }
}
