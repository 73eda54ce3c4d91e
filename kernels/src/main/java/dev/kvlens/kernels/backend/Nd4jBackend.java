package dev.kvlens.kernels.backend;

import dev.kvlens.kernels.Parallel;
import dev.kvlens.kernels.WeightMatrix;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Every matrix product through ND4J: each weight matrix is dequantised once, at load, into an F32
 * {@link INDArray} off the heap; prompts multiply through BLAS gemm and single tokens through
 * {@code level2().gemv} (never {@code mmul}, which measured 8x slower than gemv for a matvec, see
 * STACK.md). On {@code nd4j-native} that BLAS is OpenBLAS on the CPU; the {@code cuda} Maven profile
 * swaps in {@code nd4j-cuda}, and the same calls run on the GPU.
 *
 * <p>The only class that names ND4J; nothing loads it unless a user picks {@code nd4j} or {@code auto}.
 */
public final class Nd4jBackend implements Backend {

    /** Rows dequantised per copy when the array cannot be written through a host view. */
    private static final int COPY_ROWS = 256;

    private final Map<WeightMatrix, INDArray> weights;
    private final boolean hostMemory;
    private final String description;

    private Nd4jBackend(Map<WeightMatrix, INDArray> weights, boolean hostMemory, String description) {
        this.weights = weights;
        this.hostMemory = hostMemory;
        this.description = description;
    }

    /**
     * Starts ND4J (unpacking its native libraries into {@link JavaCppCache}'s folder on the first
     * start) and copies {@code matrices} into F32 arrays.
     *
     * @throws BackendUnavailableException when ND4J cannot start or the copies do not fit
     */
    public static Nd4jBackend load(Collection<WeightMatrix> matrices) {
        Path cache = prepareNatives();
        int threads = Parallel.threads();
        boolean hostMemory;
        String device;
        try {
            hostMemory = Nd4j.getEnvironment().isCPU();
            // OpenBLAS (or cuBLAS) and libnd4j follow --threads like the Vector API kernels.
            Nd4j.factory().blas().setMaxThreads(threads);
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
            Nd4j.getEnvironment().setMaxThreads(threads);
            device = deviceDescription(hostMemory, threads);
        } catch (LinkageError | RuntimeException e) {
            throw new BackendUnavailableException("ND4J could not start (native libraries unpack to " + cache
                    + "): " + e, e);
        }
        Map<WeightMatrix, INDArray> weights = new IdentityHashMap<>();
        long bytes = 0;
        for (WeightMatrix m : matrices) {
            if (!weights.containsKey(m)) {
                weights.put(m, null);
                bytes += (long) m.rows() * m.cols() * Float.BYTES;
            }
        }
        long free = Pointer.maxBytes() - Pointer.totalBytes();
        if (bytes > free) {
            throw new BackendUnavailableException(String.format(Locale.ROOT,
                    "the ND4J backend needs %,d MB off the heap for F32 copies of the weights, but JavaCPP allows"
                            + " %,d MB more; raise -Dorg.bytedeco.javacpp.maxbytes (or -Xmx), or use --backend cpu",
                    bytes >> 20, free >> 20));
        }
        Nd4jBackend backend = new Nd4jBackend(weights, hostMemory,
                "ND4J " + version() + " (" + device + ")");
        try {
            for (Map.Entry<WeightMatrix, INDArray> e : weights.entrySet()) {
                e.setValue(toF32(e.getKey(), hostMemory));
            }
        } catch (OutOfMemoryError | RuntimeException e) {
            backend.close();
            throw new BackendUnavailableException("ND4J could not hold the weights: " + e, e);
        }
        return backend;
    }

    /**
     * What must happen before ND4J's first call in this process, whoever makes it (this backend or
     * other ND4J users such as {@code dev.kvlens.kernels.linalg}): JavaCPP's cache folder (see
     * {@link JavaCppCache}) and OpenBLAS's kernels (see {@link OpenBlasCore}). Idempotent; touches no
     * ND4J class. Returns the cache folder.
     */
    public static Path prepareNatives() {
        Path cache = JavaCppCache.configure();
        OpenBlasCore.configure();
        return cache;
    }

    /** Whether {@code m} was prepared (a product over any other matrix is refused). */
    boolean holds(WeightMatrix m) {
        return weights.get(m) != null;
    }

    /** The F32 copy of {@code m}. */
    INDArray weight(WeightMatrix m) {
        INDArray w = weights.get(m);
        if (w == null) {
            throw new IllegalStateException("the ND4J backend was not loaded with " + m);
        }
        return w;
    }

    /** Whether arrays live in host memory, so that inputs and outputs can go through a direct view. */
    boolean hostMemory() {
        return hostMemory;
    }

    @Override
    public BackendChoice choice() {
        return BackendChoice.ND4J;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public MatrixProducts newProducts() {
        return new Nd4jProducts(this);
    }

    @Override
    public void close() {
        for (Map.Entry<WeightMatrix, INDArray> e : weights.entrySet()) {
            INDArray w = e.getValue();
            if (w != null && w.closeable()) {
                w.close();
            }
            e.setValue(null);
        }
    }

    @Override
    public String toString() {
        return description;
    }

    /** Rows dequantised with {@link WeightMatrix#dequantizeRow}, which is exact, into a {@code rows x cols} F32 array. */
    private static INDArray toF32(WeightMatrix m, boolean hostMemory) {
        int rows = m.rows();
        int cols = m.cols();
        INDArray w = Nd4j.create(DataType.FLOAT, rows, cols);
        if (hostMemory && (long) rows * cols <= Integer.MAX_VALUE) {
            FloatBuffer host = w.data().asNioFloat();
            Parallel.forRange(rows, (start, end) -> {
                float[] row = new float[cols];
                for (int r = start; r < end; r++) {
                    m.dequantizeRow(r, row, 0);
                    host.put(r * cols, row, 0, cols);
                }
            });
        } else {
            float[] block = new float[COPY_ROWS * cols];
            for (int r0 = 0; r0 < rows; r0 += COPY_ROWS) {
                int n = Math.min(COPY_ROWS, rows - r0);
                for (int i = 0; i < n; i++) {
                    m.dequantizeRow(r0 + i, block, i * cols);
                }
                float[] exact = n == COPY_ROWS ? block : java.util.Arrays.copyOf(block, n * cols);
                w.get(NDArrayIndex.interval(r0, r0 + n), NDArrayIndex.all())
                        .assign(Nd4j.create(exact, new long[] {n, cols}, 'c'));
            }
        }
        return w;
    }

    private static String deviceDescription(boolean cpu, int threads) {
        String blas = switch (Nd4j.factory().blas().getBlasVendor()) {
            case OPENBLAS -> "OpenBLAS";
            case MKL -> "MKL";
            case CUBLAS -> "cuBLAS";
            default -> "BLAS";
        };
        if (cpu) {
            int blasThreads = Nd4j.factory().blas().getMaxThreads();
            int shown = blasThreads > 0 ? blasThreads : threads;
            return "CPU, " + blas + ", " + shown + (shown == 1 ? " thread" : " threads");
        }
        String gpu = gpuName();
        return "CUDA, " + blas + (gpu == null ? "" : ", " + gpu);
    }

    /** The first GPU's name as ND4J's CUDA backend reports it, or null. */
    private static String gpuName() {
        Object devices = Nd4j.getExecutioner().getEnvironmentInformation().get("cuda.devicesInformation");
        if (devices instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Map<?, ?> first) {
            Object name = first.get("cuda.deviceName");
            return name == null ? null : name.toString();
        }
        return null;
    }

    /** ND4J's version from its jar, e.g. {@code 1.0.0-M2.1}. */
    private static String version() {
        try (InputStream in = Nd4j.class.getResourceAsStream("/META-INF/maven/org.nd4j/nd4j-api/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "(unknown version)");
            }
        } catch (IOException e) {
            // fall through: the version only labels the description
        }
        return "(unknown version)";
    }
}
