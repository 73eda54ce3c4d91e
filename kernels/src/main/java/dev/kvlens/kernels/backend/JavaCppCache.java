package dev.kvlens.kernels.backend;

import java.nio.file.Path;

/**
 * Where JavaCPP unpacks ND4J's native libraries (about 400 MB): once into a folder KV Lens owns,
 * so that later starts only map them. A folder the user set with
 * {@code -Dorg.bytedeco.javacpp.cachedir=...} wins.
 */
final class JavaCppCache {

    static final String PROPERTY = "org.bytedeco.javacpp.cachedir";

    private JavaCppCache() {
    }

    /** Sets the cache folder unless the user did; must run before the first ND4J or JavaCPP call. */
    static Path configure() {
        String given = System.getProperty(PROPERTY);
        if (given != null && !given.isBlank()) {
            return Path.of(given);
        }
        Path folder = defaultFolder(System.getenv("XDG_CACHE_HOME"), System.getProperty("user.home"));
        System.setProperty(PROPERTY, folder.toString());
        return folder;
    }

    /** {@code $XDG_CACHE_HOME/kvlens/javacpp}, or {@code ~/.cache/kvlens/javacpp} when that is unset or relative. */
    static Path defaultFolder(String xdgCacheHome, String userHome) {
        Path base = xdgCacheHome != null && !xdgCacheHome.isBlank() && Path.of(xdgCacheHome).isAbsolute()
                ? Path.of(xdgCacheHome)
                : Path.of(userHome, ".cache");
        return base.resolve("kvlens").resolve("javacpp");
    }
}
