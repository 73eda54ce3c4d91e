package dev.kvlens.inference.policy;

import java.util.Arrays;

/**
 * The shared selection step of every scoring policy (POLICIES.md 0.3 and 0.5): rank by score
 * descending; scores within 1e-6 relative of each other count as equal and then the lower
 * position wins. Deterministic, whatever the summation order produced in the last bits.
 */
public final class Ranking {

    /** Relative tolerance under which two scores are treated as equal. */
    public static final double TIE_TOLERANCE = 1e-6;

    private Ranking() {
    }

    /**
     * Indices {@code 0..scores.length-1} in rank order. {@code positions[i]} breaks ties (pass the
     * entries' original positions, or null to use the index).
     */
    public static int[] order(float[] scores, int[] positions) {
        int n = scores.length;
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        // Exact order first (a total order, safe for sorting), then equal-within-tolerance runs
        // re-ordered by position.
        Arrays.sort(idx, (a, b) -> {
            int c = Float.compare(scores[b], scores[a]);
            return c != 0 ? c : Integer.compare(position(positions, a), position(positions, b));
        });
        int start = 0;
        while (start < n) {
            int end = start + 1;
            float head = scores[idx[start]];
            while (end < n && equal(head, scores[idx[end]])) {
                end++;
            }
            if (end - start > 1) {
                Arrays.sort(idx, start, end, (a, b) -> Integer.compare(position(positions, a), position(positions, b)));
            }
            start = end;
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = idx[i];
        }
        return out;
    }

    /** The {@code k} best indices (fewer if there are fewer scores), returned in ascending index order. */
    public static int[] top(float[] scores, int[] positions, int k) {
        int[] order = order(scores, positions);
        int[] chosen = Arrays.copyOf(order, Math.min(k, order.length));
        Arrays.sort(chosen);
        return chosen;
    }

    static boolean equal(float a, float b) {
        if (a == b) {
            return true;
        }
        if (Float.isInfinite(a) || Float.isInfinite(b)) {
            return false; // an "always keep" score ties with nothing finite
        }
        double scale = Math.max(Math.abs(a), Math.abs(b));
        return Math.abs(a - b) <= TIE_TOLERANCE * scale;
    }

    private static int position(int[] positions, int i) {
        return positions == null ? i : positions[i];
    }

    /** Ascending union of two ascending index arrays. */
    public static int[] union(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < a.length || j < b.length) {
            int next;
            if (j >= b.length || (i < a.length && a[i] <= b[j])) {
                next = a[i++];
            } else {
                next = b[j++];
            }
            if (n == 0 || out[n - 1] != next) {
                out[n++] = next;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** {@code from, from+1, ..., to-1}. */
    public static int[] range(int from, int to) {
        int[] out = new int[Math.max(0, to - from)];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }
}
