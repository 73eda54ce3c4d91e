package dev.kvlens.inference.policy;

/**
 * Which positions RoPE sees once StreamingLLM has evicted the middle of the cache (POLICIES.md 2).
 */
public enum StreamingPositions {
    /** (b) Keys keep the rotation of their original positions; queries use the absolute position. */
    ORIGINAL("original", "position-preserving, mode b"),
    /**
     * (a) The official "pos_shift": keys are held before RoPE and rotated by their cache slot at every
     * attention; queries use their own slot (the cache length). Positions never exceed the cache size.
     */
    SHIFT("shift", "paper, mode a"),
    /** (c) Keys are held after RoPE and re-rotated by the slot change on eviction; same maths as (a). */
    REROTATE("rerotate", "paper, mode c");

    private final String option;
    private final String label;

    StreamingPositions(String option, String label) {
        this.option = option;
        this.label = label;
    }

    /** The value of the {@code positions} option. */
    public String option() {
        return option;
    }

    /** How runs are labelled: "paper, mode a" or "position-preserving, mode b". */
    public String label() {
        return label;
    }

    public static StreamingPositions parse(String option) {
        for (StreamingPositions p : values()) {
            if (p.option.equals(option)) {
                return p;
            }
        }
        throw new IllegalArgumentException("StreamingLLM positions must be original, shift or rerotate, got '" + option + "'");
    }
}
