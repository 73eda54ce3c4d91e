package dev.kvlens.kernels;

/**
 * An input vector together with what a format's kernels derive from it once per product (Q4_0: the
 * vector rounded to 8 bits per block; K-quants: block sums), made by {@link WeightMatrix#prepare}.
 * Several matrices that read the same input, of one format and width, share one: a decode step's
 * Q, K and V projections then round their input once, not once per matrix and row range.
 */
public final class PreparedInput {

    final float[] x;
    final GgmlType type;
    final int cols;
    final Object derived;

    PreparedInput(float[] x, GgmlType type, int cols, Object derived) {
        this.x = x;
        this.type = type;
        this.cols = cols;
        this.derived = derived;
    }

    /** Whether {@code m} can take this input as it is (same format and width as the matrix that made it). */
    public boolean fits(WeightMatrix m) {
        return m.type() == type && m.cols() == cols;
    }
}
