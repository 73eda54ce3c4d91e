package dev.kvlens.kernels.backend;

import dev.kvlens.kernels.WeightMatrix;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One forward pass's products on an {@link Nd4jBackend}. Inputs are copied into reused arrays and
 * results copied out: on the CPU through direct views of the arrays' memory (no allocation per
 * call, which matters for the ~200 matvecs of a decoded token), elsewhere through fresh arrays.
 */
final class Nd4jProducts implements MatrixProducts {

    /** Prompt-shaped scratch arrays kept (by shape); older ones are freed. */
    private static final int MATRIX_SHAPES_KEPT = 8;

    private final Nd4jBackend backend;
    private final Map<Integer, Staged> vectorsIn = new HashMap<>();
    private final Map<Integer, Staged> vectorsOut = new HashMap<>();
    private final Map<Long, Staged> matricesIn = lru();
    private final Map<Long, Staged> matricesOut = lru();

    /** A reused array and, on the CPU, a view of its memory. */
    private record Staged(INDArray array, FloatBuffer host) {
    }

    Nd4jProducts(Nd4jBackend backend) {
        this.backend = backend;
    }

    @Override
    public void matvec(WeightMatrix m, float[] x, float[] out) {
        checkMatvec(m, x, out);
        INDArray w = backend.weight(m);
        gemv(w, stageVector(m.roundedInput(x, 1), m.cols()), m.rows(), out);
    }

    @Override
    public void matvecs(float[] x, WeightMatrix a, float[] outA, WeightMatrix b, float[] outB,
                        WeightMatrix c, float[] outC) {
        checkMatvec(a, x, outA);
        checkMatvec(b, x, outB);
        if (c != null) {
            checkMatvec(c, x, outC);
        }
        if (a.cols() != b.cols() || (c != null && c.cols() != a.cols())) {
            throw new IllegalArgumentException("matrices reading one input need equal columns: " + a + ", " + b + ", " + c);
        }
        INDArray in = stageVector(a.roundedInput(x, 1), a.cols());
        gemv(backend.weight(a), in, a.rows(), outA);
        // one staged input serves matrices of one format; another format reads x its own way
        if (b.type() != a.type()) {
            in = stageVector(b.roundedInput(x, 1), b.cols());
        }
        gemv(backend.weight(b), in, b.rows(), outB);
        if (c != null) {
            if (c.type() != b.type()) {
                in = stageVector(c.roundedInput(x, 1), c.cols());
            }
            gemv(backend.weight(c), in, c.rows(), outC);
        }
    }

    @Override
    public void matmul(WeightMatrix m, float[] x, int n, float[] out) {
        int rows = m.rows();
        int cols = m.cols();
        if (n < 0 || (long) n * cols > x.length || (long) n * rows > out.length) {
            throw new IllegalArgumentException("matmul of " + rows + " x " + cols + " with " + n
                    + " tokens needs x >= " + (long) n * cols + " and out >= " + (long) n * rows
                    + ", got " + x.length + " and " + out.length);
        }
        if (n == 0) {
            return;
        }
        if (n == 1) {
            matvec(m, x, out);
            return;
        }
        INDArray w = backend.weight(m);
        float[] input = m.roundedInput(x, n);
        if (backend.hostMemory()) {
            Staged in = matricesIn.computeIfAbsent(shapeKey(n, cols), k -> staged(n, cols));
            Staged result = matricesOut.computeIfAbsent(shapeKey(n, rows), k -> staged(n, rows));
            in.host().put(0, input, 0, n * cols);
            // out (n x rows) = x (n x cols) . w^T: BLAS sgemm, reading w in place.
            Nd4j.gemm(in.array(), w, result.array(), false, true, 1.0, 0.0);
            result.host().get(0, out, 0, n * rows);
        } else {
            INDArray in = Nd4j.create(java.util.Arrays.copyOf(input, n * cols), new long[] {n, cols}, 'c');
            INDArray result = Nd4j.create(DataType.FLOAT, n, rows);
            Nd4j.gemm(in, w, result, false, true, 1.0, 0.0);
            System.arraycopy(result.data().asFloat(), 0, out, 0, n * rows);
            in.close();
            result.close();
        }
    }

    /** {@code out = w . in} through {@code level2().gemv}. */
    private void gemv(INDArray w, INDArray in, int rows, float[] out) {
        if (backend.hostMemory()) {
            Staged result = vectorsOut.computeIfAbsent(rows, k -> staged(rows));
            Nd4j.getBlasWrapper().level2().gemv('c', 'N', 1.0, w, in, 0.0, result.array());
            result.host().get(0, out, 0, rows);
        } else {
            INDArray result = Nd4j.create(DataType.FLOAT, rows);
            Nd4j.getBlasWrapper().level2().gemv('c', 'N', 1.0, w, in, 0.0, result);
            System.arraycopy(result.data().asFloat(), 0, out, 0, rows);
            result.close();
        }
    }

    private INDArray stageVector(float[] x, int cols) {
        if (backend.hostMemory()) {
            Staged in = vectorsIn.computeIfAbsent(cols, k -> staged(cols));
            in.host().put(0, x, 0, cols);
            return in.array();
        }
        return Nd4j.create(java.util.Arrays.copyOf(x, cols), new long[] {cols}, 'c');
    }

    private static Staged staged(long... shape) {
        INDArray a = Nd4j.create(DataType.FLOAT, shape);
        return new Staged(a, a.data().asNioFloat());
    }

    private static long shapeKey(int n, int width) {
        return (long) n << 32 | width;
    }

    private static void checkMatvec(WeightMatrix m, float[] x, float[] out) {
        if (x.length < m.cols() || out.length < m.rows()) {
            throw new IllegalArgumentException("matvec of " + m.rows() + " x " + m.cols() + " needs x >= " + m.cols()
                    + " and out >= " + m.rows() + ", got " + x.length + " and " + out.length);
        }
    }

    /** A map that frees its least recently used array beyond {@link #MATRIX_SHAPES_KEPT}. */
    private static Map<Long, Staged> lru() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Staged> eldest) {
                if (size() > MATRIX_SHAPES_KEPT) {
                    eldest.getValue().array().close();
                    return true;
                }
                return false;
            }
        };
    }
}
