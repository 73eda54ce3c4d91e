package dev.kvlens.inference.policy;

/**
 * The entry a per-step policy (H2O, TOVA) drops when exactly one must go: the last one in
 * {@link Ranking}'s order, found in one pass instead of a sort. Entries are in ascending position
 * order, so among scores tied with the minimum (within {@link Ranking#TIE_TOLERANCE}) the one
 * with the highest index ranks last.
 */
final class LeastRanked {

    private LeastRanked() {
    }

    /**
     * Index in {@code [from, to)} of the lowest-ranked score, or -1 when the range is empty.
     * Indices in {@code [skipFrom, skipTo)} are never chosen (protected entries).
     */
    static int index(float[] scores, int from, int to, int skipFrom, int skipTo) {
        float min = Float.POSITIVE_INFINITY;
        boolean any = false;
        for (int i = from; i < to; i++) {
            if (i >= skipFrom && i < skipTo) {
                continue;
            }
            if (!any || scores[i] < min) {
                min = scores[i];
                any = true;
            }
        }
        if (!any) {
            return -1;
        }
        for (int i = to - 1; i >= from; i--) {
            if ((i < skipFrom || i >= skipTo) && Ranking.equal(min, scores[i])) {
                return i;
            }
        }
        throw new AssertionError("the minimum is in the range");
    }

    /** As {@link #index(float[], int, int, int, int)} with nothing protected. */
    static int index(float[] scores, int from, int to) {
        return index(scores, from, to, 0, 0);
    }

    /** {@code 0..size-1} without {@code dropped}. */
    static int[] allBut(int size, int dropped, int[] reuse) {
        int[] kept = reuse != null && reuse.length == size - 1 ? reuse : new int[size - 1];
        for (int i = 0, k = 0; i < size; i++) {
            if (i != dropped) {
                kept[k++] = i;
            }
        }
        return kept;
    }
}
