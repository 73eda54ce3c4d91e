package dev.kvlens.kernels.backend;

import dev.kvlens.kernels.WeightMatrix;

/**
 * The matrix products of one forward pass, over weight matrices its {@link Backend} was built for.
 * Results agree with {@link WeightMatrix#matvec} and {@link WeightMatrix#matmul} to float rounding;
 * which bits depends on the backend. Not thread-safe: implementations keep scratch between calls.
 */
public interface MatrixProducts {

    /** {@code out[r] = row(r) . x} for every row of {@code m}. */
    void matvec(WeightMatrix m, float[] x, float[] out);

    /**
     * {@code out[t * rows + r] = row(r) . x_t} for the {@code n} input vectors laid out one after
     * another in {@code x}, as {@link WeightMatrix#matmul}.
     */
    void matmul(WeightMatrix m, float[] x, int n, float[] out);

    /**
     * Two or three matvecs that read the same input ({@code c} and {@code outC} may be null): the
     * query/key/value and gate/up projections of one decoded token.
     */
    void matvecs(float[] x, WeightMatrix a, float[] outA, WeightMatrix b, float[] outB, WeightMatrix c, float[] outC);
}
