package dev.kvlens.inference.policy;

/**
 * SnapKV-family 1-D pooling (POLICIES.md 0.3.4): stride 1, padding {@code floor(k/2)} on both
 * sides, odd kernels only. Average pooling counts the padded zeros (edges divided by k, as
 * PyTorch's default); max pooling treats padding as -infinity.
 */
public enum Pooling {
    MAX, AVG, NONE;

    public static Pooling parse(String name) {
        return switch (name) {
            case "max", "maxpool" -> MAX;
            case "avg", "avgpool", "mean" -> AVG;
            case "none" -> NONE;
            default -> throw new IllegalArgumentException("pooling must be max, avg or none, got '" + name + "'");
        };
    }

    /** Pools {@code scores} with kernel {@code k} (odd); returns a new array of the same length. */
    public float[] apply(float[] scores, int k) {
        if (this == NONE || k <= 1) {
            return scores.clone();
        }
        if (k % 2 == 0) {
            throw new IllegalArgumentException("pooling kernel must be odd (even kernels change the length), got " + k);
        }
        int n = scores.length;
        int half = k / 2;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            if (this == MAX) {
                float m = Float.NEGATIVE_INFINITY;
                for (int j = Math.max(0, i - half); j <= Math.min(n - 1, i + half); j++) {
                    m = Math.max(m, scores[j]);
                }
                out[i] = m;
            } else {
                double s = 0;
                for (int j = Math.max(0, i - half); j <= Math.min(n - 1, i + half); j++) {
                    s += scores[j];
                }
                out[i] = (float) (s / k);
            }
        }
        return out;
    }
}
