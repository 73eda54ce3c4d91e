package dev.kvlens.kernels.linalg;

import dev.kvlens.kernels.backend.Nd4jBackend;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mean and full (population) covariance of vectors streamed one at a time, in double. Rows are
 * buffered and added to the {@code D x D} sum of outer products in blocks through BLAS {@code gemm}
 * (ND4J), a rank-{@value #BLOCK} update instead of a Java loop per row. Values are taken relative to
 * the first row (the shifted-data formula), so a large common offset does not cancel away the variance.
 * <p>
 * Memory: the {@code D x D} sum lives off the Java heap ({@code 8 D^2} bytes: 128 MiB at D = 4096) until
 * {@link #close()}; the row buffer adds {@code 8 * BLOCK * D} bytes.
 */
public final class CovarianceAccumulator implements AutoCloseable {

    static {
        // ND4J's natives unpack to the app's cache folder, with OpenBLAS kernels for this CPU (as the backend does).
        Nd4jBackend.prepareNatives();
    }

    /** Rows per BLAS update. */
    static final int BLOCK = 64;

    private final int dim;
    private final double[] shift;
    private final double[] sum;
    private final double[] buffer;
    private INDArray products;
    private int buffered;
    private long rows;

    public CovarianceAccumulator(int dim) {
        if (dim <= 0) {
            throw new IllegalArgumentException("dimension must be > 0, got " + dim);
        }
        this.dim = dim;
        this.shift = new double[dim];
        this.sum = new double[dim];
        this.buffer = new double[BLOCK * dim];
    }

    public int dim() {
        return dim;
    }

    /** Rows added so far. */
    public long rows() {
        return rows;
    }

    /** Adds the row {@code x[offset .. offset + dim)}. */
    public void add(float[] x, int offset) {
        if (rows == 0) {
            for (int d = 0; d < dim; d++) {
                shift[d] = x[offset + d];
            }
        }
        int base = buffered * dim;
        for (int d = 0; d < dim; d++) {
            double v = x[offset + d] - shift[d];
            buffer[base + d] = v;
            sum[d] += v;
        }
        rows++;
        if (++buffered == BLOCK) {
            flush();
        }
    }

    private void flush() {
        if (buffered == 0) {
            return;
        }
        if (products == null) {
            products = Nd4j.zeros(DataType.DOUBLE, dim, dim);
        }
        double[] block = buffered == BLOCK ? buffer : Arrays.copyOf(buffer, buffered * dim);
        try (INDArray b = Nd4j.create(block, new long[] {buffered, dim}, 'c')) {
            Nd4j.gemm(b, b, products, true, false, 1.0, 1.0); // products += b^T b
        }
        buffered = 0;
    }

    /** The mean row; zeros before any row. */
    public double[] mean() {
        double[] m = new double[dim];
        if (rows > 0) {
            for (int d = 0; d < dim; d++) {
                m[d] = shift[d] + sum[d] / rows;
            }
        }
        return m;
    }

    /**
     * The population covariance {@code (1/n) sum (x - mean)(x - mean)^T}, row-major {@code D x D},
     * exactly symmetric; zeros before any row.
     */
    public double[] covariance() {
        double[] c = new double[dim * dim];
        if (rows == 0) {
            return c;
        }
        flush();
        double[] p = products.data().asDouble(); // symmetric, so the order does not matter
        double[] mu = new double[dim];
        for (int d = 0; d < dim; d++) {
            mu[d] = sum[d] / rows;
        }
        for (int i = 0; i < dim; i++) {
            for (int j = 0; j <= i; j++) {
                double v = (p[i * dim + j] + p[j * dim + i]) / (2.0 * rows) - mu[i] * mu[j];
                c[i * dim + j] = v;
                c[j * dim + i] = v;
            }
        }
        return c;
    }

    /** Frees the off-heap sum. */
    @Override
    public void close() {
        if (products != null) {
            products.close();
            products = null;
        }
    }
}
