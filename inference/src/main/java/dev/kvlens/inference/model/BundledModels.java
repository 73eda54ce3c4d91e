package dev.kvlens.inference.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The models shipped with KV Lens: {@code models/*.gguf} in the assets folder that the launcher names
 * with the system property {@code kvlens.assets} (the repository's assets/ for {@code ./kvlens}, the
 * app image's assets/ once installed), else ./assets. The window and every command use the first one
 * when no model is given.
 */
public final class BundledModels {

    public static final String ASSETS_PROPERTY = "kvlens.assets";

    private BundledModels() {
    }

    /** The assets folder on disk. */
    public static Path assetsFolder() {
        return Path.of(System.getProperty(ASSETS_PROPERTY, "assets"));
    }

    /** Where bundled models live. */
    public static Path folder() {
        return assetsFolder().resolve("models");
    }

    /** The bundled models, sorted by file name; empty when there are none. */
    public static List<Path> list() {
        Path models = folder();
        if (!Files.isDirectory(models)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(models)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".gguf") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The default model: the first bundled one. */
    public static Optional<Path> defaultModel() {
        return list().stream().findFirst();
    }
}
