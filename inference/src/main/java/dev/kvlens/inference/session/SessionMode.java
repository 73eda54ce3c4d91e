package dev.kvlens.inference.session;

/** How the lanes of a session get their tokens. */
public enum SessionMode {
    /** Every lane reads the same tokens (lane 0's generation or a given text), so steps line up. */
    TEACHER_FORCED("teacher-forced"),
    /** Each lane samples its own continuation from its own logits; shows divergence. */
    FREE_RUNNING("free-running");

    private final String label;

    SessionMode(String label) {
        this.label = label;
    }

    /** The name used in events and recordings. */
    public String label() {
        return label;
    }

    /** "teacher", "teacher-forced", "free", "free-running". */
    public static SessionMode parse(String text) {
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "teacher", "teacher-forced" -> TEACHER_FORCED;
            case "free", "free-running" -> FREE_RUNNING;
            default -> throw new IllegalArgumentException("mode '" + text + "' is neither teacher nor free");
        };
    }
}
