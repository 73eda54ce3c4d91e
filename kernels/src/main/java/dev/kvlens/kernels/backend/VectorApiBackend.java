package dev.kvlens.kernels.backend;

import dev.kvlens.kernels.Parallel;
import dev.kvlens.kernels.WeightMatrix;

/**
 * The default backend: the kernels' own Vector API code over the mapped weights, spread over
 * {@link Parallel}'s threads. Nothing is prepared or copied at load.
 */
public final class VectorApiBackend implements Backend {

    /** Stateless, so one instance serves every pass. */
    private static final MatrixProducts PRODUCTS = new VectorApiProducts();

    @Override
    public BackendChoice choice() {
        return BackendChoice.CPU;
    }

    @Override
    public String description() {
        int threads = Parallel.threads();
        return "Vector API (" + threads + (threads == 1 ? " thread)" : " threads)");
    }

    @Override
    public MatrixProducts newProducts() {
        return PRODUCTS;
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return description();
    }
}
