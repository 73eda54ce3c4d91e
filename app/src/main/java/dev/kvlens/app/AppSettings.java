package dev.kvlens.app;

import dev.kvlens.kernels.backend.BackendChoice;
import java.nio.file.Path;
import java.util.Optional;
import java.util.prefs.BackingStoreException;
import java.util.prefs.Preferences;

/**
 * What the window remembers between runs (java.util.prefs): the last model, theme, font scale, backend and the
 * layout's divider positions. Tests give it their own node so they never touch the user's settings.
 */
public final class AppSettings {

    private static final String LAST_MODEL = "lastModel";
    private static final String THEME = "theme";
    private static final String FONT_SCALE = "fontScale";
    private static final String SIDE_DIVIDER = "sideDivider";
    private static final String LAST_FOLDER = "lastFolder";
    private static final String BACKEND = "backend";

    private final Preferences node;

    public AppSettings(Preferences node) {
        this.node = node;
    }

    /** The user's settings; {@code kvlens.prefs} names another node (tests use a throwaway one). */
    public static AppSettings user() {
        String path = System.getProperty("kvlens.prefs", "/dev/kvlens/app");
        return new AppSettings(Preferences.userRoot().node(path));
    }

    public Optional<Path> lastModel() {
        String s = node.get(LAST_MODEL, null);
        return s == null ? Optional.empty() : Optional.of(Path.of(s));
    }

    public void lastModel(Path model) {
        node.put(LAST_MODEL, model.toAbsolutePath().toString());
        flush();
    }

    public Optional<Path> lastFolder() {
        String s = node.get(LAST_FOLDER, null);
        return s == null ? Optional.empty() : Optional.of(Path.of(s));
    }

    public void lastFolder(Path folder) {
        node.put(LAST_FOLDER, folder.toAbsolutePath().toString());
        flush();
    }

    public Theme theme() {
        try {
            return Theme.valueOf(node.get(THEME, Theme.DARK.name()));
        } catch (IllegalArgumentException e) {
            return Theme.DARK;
        }
    }

    public void theme(Theme theme) {
        node.put(THEME, theme.name());
        flush();
    }

    public double fontScale() {
        return node.getDouble(FONT_SCALE, 1.0);
    }

    public void fontScale(double scale) {
        node.putDouble(FONT_SCALE, scale);
        flush();
    }

    public double sideDivider() {
        return node.getDouble(SIDE_DIVIDER, 0.32);
    }

    public void sideDivider(double position) {
        node.putDouble(SIDE_DIVIDER, position);
        flush();
    }

    /** Where models' matrix products run (cpu unless chosen otherwise). */
    public BackendChoice backend() {
        try {
            return BackendChoice.parse(node.get(BACKEND, BackendChoice.CPU.cliName()));
        } catch (IllegalArgumentException e) {
            return BackendChoice.CPU;
        }
    }

    public void backend(BackendChoice choice) {
        node.put(BACKEND, choice.cliName());
        flush();
    }

    /** Forgets everything (tests). */
    public void clear() {
        try {
            node.clear();
        } catch (BackingStoreException e) {
            // Nothing remembered is then nothing lost.
        }
    }

    private void flush() {
        try {
            node.flush();
        } catch (BackingStoreException e) {
            // A settings store that cannot be written only costs the memory of this choice.
        }
    }
}
