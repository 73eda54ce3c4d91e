package dev.kvlens.kernels.backend;

import dev.kvlens.kernels.GgmlType;
import dev.kvlens.kernels.WeightMatrix;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Each product on the backend that measured faster for it: a fixed rule, not a calibration at
 * load, so that a run's bits do not depend on how busy the machine was when it started.
 *
 * <p>Measured on this project's machine kind (2 cores of an AMD EPYC Zen 4, the 143 M synth shape
 * at F32, 2 threads, best of interleaved runs in one JVM): the Vector API matmul matched or beat
 * ND4J's OpenBLAS sgemm for every matrix of the model at every chunk size from 1 to 128 tokens
 * (e.g. 576 x 576 at 128 tokens: 361 us vs 384 us with OpenBLAS's AVX-512 kernels, 562 us vs 992 us
 * with its default AVX2 ones; at 2-8 tokens ND4J took 3-5x as long), and whole 128-token prefills
 * were equal within noise (745-776 vs 738-744 tok/s); single-token gemv through ND4J is slower
 * still (decode 55-59 vs 80-87 tok/s). So on the CPU {@code auto} keeps every product on the
 * Vector API and never starts ND4J.
 *
 * <p>When ND4J's backend is a GPU one (nd4j-cuda on the class path: the {@code cuda} Maven
 * profile), prompt chunks of at least {@link #MIN_GEMM_TOKENS} tokens over F32, F16 or BF16 weights
 * go to ND4J (cuBLAS), and single tokens stay on the Vector API. That branch was built and unit
 * tested through the routing rule only: no GPU is available to this project.
 */
public final class AutoBackend implements Backend {

    /** Formats whose F32 copy is at most twice the file's bytes (quantised ones would take 4-8x). */
    static final Set<GgmlType> BLAS_FORMATS = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16);

    /** Below this many tokens a product stays on the Vector API (host-device copies dominate). */
    static final int MIN_GEMM_TOKENS = 8;

    /** A class only nd4j-cuda has; looked up without initialising anything. */
    private static final String CUDA_BACKEND_CLASS = "org.nd4j.linalg.jcublas.JCublasBackend";

    private final VectorApiBackend vectorApi = new VectorApiBackend();
    private final Nd4jBackend nd4j;
    private final String why;

    private AutoBackend(Nd4jBackend nd4j, String why) {
        this.nd4j = nd4j;
        this.why = why;
    }

    /** Starts ND4J for the plain-float matrices among {@code matrices} when ND4J would run on a GPU. */
    public static AutoBackend load(Collection<WeightMatrix> matrices) {
        return load(matrices, cudaOnClassPath());
    }

    static AutoBackend load(Collection<WeightMatrix> matrices, boolean gpu) {
        if (!gpu) {
            return new AutoBackend(null, "on the CPU it matched or beat ND4J's BLAS");
        }
        List<WeightMatrix> forBlas = matrices.stream().filter(m -> BLAS_FORMATS.contains(m.type())).toList();
        if (forBlas.isEmpty()) {
            return new AutoBackend(null, "no F32/F16/BF16 weights for BLAS");
        }
        try {
            return new AutoBackend(Nd4jBackend.load(forBlas), "");
        } catch (BackendUnavailableException e) {
            // No usable GPU after all: everything on the CPU, with the reason in the description.
            return new AutoBackend(null, "ND4J unavailable: " + e.getMessage());
        }
    }

    /** The rule: whether a product of {@code n} tokens over a {@code type} matrix goes to a GPU-backed ND4J. */
    static boolean routesToNd4j(GgmlType type, int n, boolean gpu) {
        return gpu && n >= MIN_GEMM_TOKENS && BLAS_FORMATS.contains(type);
    }

    /** Whether this backend sends a product of {@code n} tokens over {@code m} to ND4J. */
    boolean onNd4j(WeightMatrix m, int n) {
        return nd4j != null && routesToNd4j(m.type(), n, true) && nd4j.holds(m);
    }

    private static boolean cudaOnClassPath() {
        try {
            Class.forName(CUDA_BACKEND_CLASS, false, AutoBackend.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @Override
    public BackendChoice choice() {
        return BackendChoice.AUTO;
    }

    @Override
    public String description() {
        return nd4j == null
                ? "auto: " + vectorApi.description() + " for every product (" + why + ")"
                : "auto: prompts on " + nd4j.description() + ", decode on " + vectorApi.description();
    }

    @Override
    public MatrixProducts newProducts() {
        MatrixProducts cpu = vectorApi.newProducts();
        return nd4j == null ? cpu : new AutoProducts(this, cpu, nd4j.newProducts());
    }

    @Override
    public void close() {
        if (nd4j != null) {
            nd4j.close();
        }
    }

    @Override
    public String toString() {
        return description();
    }
}
