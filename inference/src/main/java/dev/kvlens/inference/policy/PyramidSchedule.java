package dev.kvlens.inference.policy;

/**
 * PyramidKV's per-layer budgets (POLICIES.md 6): lower layers keep more, upper layers less, in an
 * arithmetic progression around the nominal budget {@code B} (window included).
 */
public enum PyramidSchedule {
    /** KVCache-Factory's integer arithmetic (KV Lens default). */
    FACTORY_INT,
    /** kvpress's float arithmetic with rounding. */
    KVPRESS_FLOAT;

    public static PyramidSchedule parse(String text) {
        return switch (text) {
            case "factory-int" -> FACTORY_INT;
            case "kvpress-float" -> KVPRESS_FLOAT;
            default -> throw new IllegalArgumentException("schedule must be factory-int or kvpress-float, got '" + text + "'");
        };
    }

    /**
     * Entries kept per KV head in each layer, window included, for a prompt of {@code n > budget} tokens.
     *
     * @param budget B, nominal entries per KV head including the window
     * @param window w
     * @param beta   ratio of the largest to the smallest selected share (20)
     */
    public int[] kept(int n, int budget, int window, int layers, double beta) {
        if (beta < 1) {
            throw new IllegalArgumentException("pyramid beta must be at least 1, got " + beta);
        }
        int[] kept = new int[layers];
        if (this == FACTORY_INT) {
            int base = budget - window;
            if (n < 2 * base) {
                // KVCache-Factory falls back to plain SnapKV for prompts shorter than twice the selection.
                java.util.Arrays.fill(kept, budget);
                return kept;
            }
            int minNum = (int) Math.floor(base / beta);
            int maxNum = 2 * base - minNum;
            if (maxNum >= n - window) {
                maxNum = n - window;
                minNum = 2 * base - maxNum;
            }
            int step = layers > 1 ? (maxNum - minNum) / (layers - 1) : 0;
            for (int l = 0; l < layers; l++) {
                kept[l] = maxNum - l * step + window;
            }
            return kept;
        }
        // kvpress: n(1-r) is the kept count B; maxCap = w + B, so min + max = 2B (window included).
        double minNum = budget / beta;
        double maxNum = 2.0 * budget - minNum;
        if (!(n >= maxNum && maxNum >= minNum && minNum >= window)) {
            java.util.Arrays.fill(kept, budget);
            return kept;
        }
        double step = layers > 1 ? (maxNum - minNum) / (layers - 1) : 0;
        for (int l = 0; l < layers; l++) {
            kept[l] = (int) Math.rint(maxNum - l * step); // Python round: half to even
        }
        return kept;
    }
}
