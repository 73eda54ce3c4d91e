package dev.kvlens.kernels.backend;

/**
 * Where a model's matrix products run: the forward pass asks its backend for {@link MatrixProducts}
 * and never names a library. One backend serves every forward pass of one loaded model and is
 * safe to share between threads; what it prepared at load (ND4J's F32 copies of the weights) lives
 * until {@link #close}.
 */
public interface Backend extends AutoCloseable {

    /** The choice it implements, as the command line spells it. */
    BackendChoice choice();

    /**
     * What runs, for people: library, device and threads, e.g. {@code "Vector API (2 threads)"} or
     * {@code "ND4J 1.0.0-M2.1 (CPU, OpenBLAS, 2 threads)"}.
     */
    String description();

    /** Products for one forward pass, with its own scratch: not thread-safe, one per pass. */
    MatrixProducts newProducts();

    /** Frees what the backend prepared; the model must not run afterwards. */
    @Override
    void close();
}
