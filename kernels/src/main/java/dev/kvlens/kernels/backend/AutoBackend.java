package dev.kvlens.kernels.backend;

import dev.kvlens.kernels.GgmlType;
import dev.kvlens.kernels.WeightMatrix;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Each product on the backend that measured faster for it (a fixed rule, not a calibration at
 * load, so that a run's bits do not depend on how busy the machine was when it started):
 * <ul>
 *   <li>prompt chunks of at least {@link #MIN_GEMM_TOKENS} tokens over F32, F16 or BF16 weights go
 *       to ND4J's BLAS gemm;</li>
 *   <li>everything else, single-token decode included, stays on the Vector API kernels.</li>
 * </ul>
 * Measured on the 143 M synth shape, 2 threads (see the README's Backends section for figures).
 * Quantised formats stay on the Vector API: an F32 copy would take 4-8x their memory. A model with
 * no plain-float weights never starts ND4J.
 */
public final class AutoBackend implements Backend {

    /** Formats whose F32 copy is at most twice the file's bytes. */
    static final Set<GgmlType> BLAS_FORMATS = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16);

    /** Below this many tokens a product stays on the Vector API. */
    static final int MIN_GEMM_TOKENS = 8;

    private final VectorApiBackend vectorApi = new VectorApiBackend();
    private final Nd4jBackend nd4j;

    private AutoBackend(Nd4jBackend nd4j) {
        this.nd4j = nd4j;
    }

    /** Starts ND4J for the plain-float matrices among {@code matrices}, if there are any. */
    public static AutoBackend load(Collection<WeightMatrix> matrices) {
        List<WeightMatrix> forBlas = matrices.stream().filter(m -> BLAS_FORMATS.contains(m.type())).toList();
        return new AutoBackend(forBlas.isEmpty() ? null : Nd4jBackend.load(forBlas));
    }

    /** Whether a product of {@code n} tokens over {@code m} goes to ND4J. */
    boolean onNd4j(WeightMatrix m, int n) {
        return nd4j != null && n >= MIN_GEMM_TOKENS && nd4j.holds(m);
    }

    @Override
    public BackendChoice choice() {
        return BackendChoice.AUTO;
    }

    @Override
    public String description() {
        return nd4j == null
                ? "auto: " + vectorApi.description() + " (no F32/F16/BF16 weights for BLAS)"
                : "auto: prompts on " + nd4j.description() + ", decode on " + vectorApi.description();
    }

    @Override
    public MatrixProducts newProducts() {
        MatrixProducts cpu = vectorApi.newProducts();
        if (nd4j == null) {
            return cpu;
        }
        MatrixProducts blas = nd4j.newProducts();
        return new MatrixProducts() {
            @Override
            public void matvec(WeightMatrix m, float[] x, float[] out) {
                cpu.matvec(m, x, out);
            }

            @Override
            public void matmul(WeightMatrix m, float[] x, int n, float[] out) {
                (onNd4j(m, n) ? blas : cpu).matmul(m, x, n, out);
            }

            @Override
            public void matvecs(float[] x, WeightMatrix a, float[] outA, WeightMatrix b, float[] outB,
                                WeightMatrix c, float[] outC) {
                cpu.matvecs(x, a, outA, b, outB, c, outC);
            }
        };
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
