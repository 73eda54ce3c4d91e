package dev.kvlens.app;

/** The views the window can show, by the id scenarios name them with. */
public enum ViewKind {
    HEAD_GRID("head-grid", "Head grid"),
    HEAD("head", "Head"),
    TIMELINE("timeline", "Eviction timeline"),
    TOKENS("tokens", "Tokens"),
    BUDGET("budget", "Budget map"),
    MEMORY("memory", "Memory"),
    QUALITY("quality", "Quality"),
    COMPARE("compare", "Compare lanes"),
    OUTPUT("output", "Output");

    private final String id;
    private final String title;

    ViewKind(String id, String title) {
        this.id = id;
        this.title = title;
    }

    public String id() {
        return id;
    }

    public String title() {
        return title;
    }

    /** The view named {@code id}; OUTPUT for names it does not know. */
    public static ViewKind of(String id) {
        for (ViewKind k : values()) {
            if (k.id.equals(id)) {
                return k;
            }
        }
        return OUTPUT;
    }
}
