package dev.kvlens.inference.policy;

/**
 * How the score vectors of the G query heads that share one KV head become one vector
 * (KVCache-Factory's {@code gqa_score_agg}; POLICIES.md 0.2). Default: mean.
 */
public enum GroupReduction {
    MEAN, MAX, SUM;

    public static GroupReduction parse(String name) {
        return switch (name) {
            case "mean" -> MEAN;
            case "max" -> MAX;
            case "sum" -> SUM;
            default -> throw new IllegalArgumentException("group reduction must be mean, max or sum, got '" + name + "'");
        };
    }

    /**
     * Reduces {@code perHead[h]} over the query heads {@code kvHead*group .. kvHead*group+group-1}.
     * Sums run in double so the result does not depend on the order of heads.
     */
    public float[] reduce(float[][] perHead, int kvHead, int group) {
        int n = perHead[kvHead * group].length;
        float[] out = new float[n];
        for (int j = 0; j < n; j++) {
            double acc = this == MAX ? Double.NEGATIVE_INFINITY : 0;
            for (int h = kvHead * group; h < (kvHead + 1) * group; h++) {
                acc = this == MAX ? Math.max(acc, perHead[h][j]) : acc + perHead[h][j];
            }
            out[j] = (float) (this == MEAN ? acc / group : acc);
        }
        return out;
    }
}
