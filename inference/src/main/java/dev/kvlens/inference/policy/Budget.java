package dev.kvlens.inference.policy;

/**
 * How much of the cache a policy may keep, labelled without ambiguity: either a number of entries
 * per (layer, KV head) (window included, as SnapKV/PyramidKV count it) or a fraction of the
 * uncompressed entries kept. Never a "compression ratio".
 *
 * @param entriesPerHead entries kept per KV head, or -1 when a fraction is given
 * @param keepFraction   fraction of entries kept in (0, 1], or NaN when entries are given
 */
public record Budget(int entriesPerHead, double keepFraction) {

    public static final Budget UNLIMITED = new Budget(Integer.MAX_VALUE, Double.NaN);

    public Budget {
        boolean entries = entriesPerHead >= 0;
        boolean fraction = !Double.isNaN(keepFraction);
        if (entries == fraction) {
            throw new IllegalArgumentException("a budget is either entries per KV head or a fraction kept");
        }
        if (entries && entriesPerHead < 1) {
            throw new IllegalArgumentException("budget must keep at least 1 entry per KV head, got " + entriesPerHead);
        }
        if (fraction && !(keepFraction > 0 && keepFraction <= 1)) {
            throw new IllegalArgumentException("a kept fraction must be in (0, 1], got " + keepFraction);
        }
    }

    public static Budget entries(int perHead) {
        return new Budget(perHead, Double.NaN);
    }

    public static Budget fraction(double kept) {
        return new Budget(-1, kept);
    }

    /**
     * Parses "64" (entries per KV head), "0.25" or "25%" (fraction kept).
     *
     * @throws IllegalArgumentException with a message saying what is accepted
     */
    public static Budget parse(String text) {
        String t = text.trim();
        try {
            if (t.endsWith("%")) {
                return fraction(Double.parseDouble(t.substring(0, t.length() - 1)) / 100);
            }
            if (t.contains(".") || t.contains("e") || t.contains("E")) {
                return fraction(Double.parseDouble(t));
            }
            return entries(Integer.parseInt(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("budget '" + text
                    + "' is neither entries per KV head (e.g. 64) nor a fraction kept (e.g. 0.25 or 25%)");
        }
    }

    public boolean isFraction() {
        return entriesPerHead < 0;
    }

    /** Entries per KV head for a prompt of {@code n} tokens: {@code floor(n * fraction)} or the fixed count. */
    public int entriesFor(int n) {
        return isFraction() ? (int) Math.floor(n * keepFraction) : entriesPerHead;
    }

    /** "64 entries/KV head" or "25.0% kept". */
    public String label() {
        if (this == UNLIMITED || entriesPerHead == Integer.MAX_VALUE) {
            return "unlimited";
        }
        return isFraction() ? String.format(java.util.Locale.ROOT, "%.1f%% kept", keepFraction * 100)
                : entriesPerHead + " entries/KV head";
    }

    @Override
    public String toString() {
        return label();
    }
}
