package dev.kvlens.app;

import java.net.URL;
import java.util.Objects;

/** The two looks of the window; each is a stylesheet shipped in assets/themes. */
public enum Theme {
    DARK("dark.css"),
    LIGHT("light.css");

    private final String file;

    Theme(String file) {
        this.file = file;
    }

    /** The stylesheet's URL inside the app's resources. */
    public String stylesheet() {
        URL url = Objects.requireNonNull(Assets.resource("themes/" + file), "missing theme " + file);
        return url.toExternalForm();
    }

    public Theme other() {
        return this == DARK ? LIGHT : DARK;
    }
}
