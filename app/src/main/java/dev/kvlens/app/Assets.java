package dev.kvlens.app;

import dev.kvlens.inference.model.BundledModels;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The shipped assets: scenarios and themes travel inside the app's jar (copied from the repository's
 * assets/ folder at build time); models are large and stay on disk (see {@link BundledModels}).
 */
public final class Assets {

    static final String ROOT = "/dev/kvlens/app/assets/";

    private Assets() {
    }

    /** A resource under assets/, e.g. "themes/dark.css"; null when absent. */
    public static URL resource(String relative) {
        return Assets.class.getResource(ROOT + relative);
    }

    /** The bundled models (assets/models/*.gguf on disk), sorted by name. */
    public static List<Path> bundledModels() {
        return BundledModels.list();
    }

    /** Names of the files in the resource folder {@code relative} ending in {@code suffix}, sorted. */
    public static List<String> list(String relative, String suffix) throws IOException {
        URL url = resource(relative);
        if (url == null) {
            return List.of();
        }
        try {
            if (url.getProtocol().equals("jar")) {
                try (FileSystem fs = FileSystems.newFileSystem(url.toURI(), Map.of())) {
                    return names(fs.getPath(ROOT + relative), suffix);
                }
            }
            return names(Path.of(url.toURI()), suffix);
        } catch (URISyntaxException e) {
            throw new IOException("cannot list " + url + ": " + e.getMessage(), e);
        }
    }

    private static List<String> names(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> out = new ArrayList<>(s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(suffix)).toList());
            out.sort(null);
            return out;
        }
    }
}
