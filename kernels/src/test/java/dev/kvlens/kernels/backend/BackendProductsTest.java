package dev.kvlens.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.kernels.GgmlType;
import dev.kvlens.kernels.Quantizer;
import dev.kvlens.kernels.ScalarReference;
import dev.kvlens.kernels.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each backend's products against the scalar reference ({@link ScalarReference#dot}, a plain
 * double loop over the file's bytes) on seeded random matrices, at shapes that cross the 4 x 4
 * matmul tile and the vector length.
 */
class BackendProductsTest {

    private static final int ROWS = 37;
    private static final int COLS = 160; // whole blocks of 32, not a multiple of 64

    private static Backend nd4j;
    private static List<WeightMatrix> matrices;

    @BeforeAll
    static void load() {
        matrices = List.of(matrix(GgmlType.F32, ROWS, COLS, 1), matrix(GgmlType.F16, ROWS, COLS, 2),
                matrix(GgmlType.Q8_0, ROWS, COLS, 3), matrix(GgmlType.Q4_0, ROWS, COLS, 4),
                matrix(GgmlType.F32, 19, COLS, 5), matrix(GgmlType.F32, 8, COLS, 6));
        nd4j = BackendChoice.ND4J.open(matrices);
    }

    @AfterAll
    static void close() {
        nd4j.close();
    }

    /** A matrix quantised from seeded Gaussian values, off the heap like a mapped file. */
    static WeightMatrix matrix(GgmlType type, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        byte[] bytes = Quantizer.quantize(type, v, 0, v.length);
        MemorySegment seg = Arena.ofAuto().allocate(bytes.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
        return WeightMatrix.of(type, seg, rows, cols);
    }

    private static float[] gaussian(int n, long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    /** Row {@code r} of {@code m} times {@code x[xOff ..]} and the sum of |w x| (the scale of rounding error). */
    private static double[] reference(WeightMatrix m, int r, float[] x, int xOff) {
        long offset = r * m.type().byteSize(m.cols());
        double dot = ScalarReference.dot(m.type(), m.data(), offset, m.cols(), x, xOff);
        float[] w = new float[m.cols()];
        ScalarReference.dequantizeRow(m.type(), m.data(), offset, m.cols(), w, 0);
        double abs = 0;
        for (int i = 0; i < w.length; i++) {
            abs += Math.abs((double) w[i] * x[xOff + i]);
        }
        return new double[] {dot, abs};
    }

    private static void assertRow(WeightMatrix m, int r, float[] x, int xOff, float actual, String what) {
        double[] ref = reference(m, r, x, xOff);
        // Float accumulation in any order: a few ulps of the sum of |w x| per product.
        assertEquals(ref[0], actual, 1e-5 * ref[1] + 1e-30, what + " row " + r);
    }

    private static Backend backend(BackendChoice choice) {
        return choice == BackendChoice.ND4J ? nd4j : new VectorApiBackend();
    }

    @ParameterizedTest
    @EnumSource(value = BackendChoice.class, names = {"CPU", "ND4J"})
    void matvecMatchesScalarReference(BackendChoice choice) {
        MatrixProducts p = backend(choice).newProducts();
        for (WeightMatrix m : matrices) {
            float[] x = gaussian(m.cols(), 10);
            float[] out = new float[m.rows() + 3];
            p.matvec(m, x, out);
            for (int r = 0; r < m.rows(); r++) {
                assertRow(m, r, x, 0, out[r], choice + " matvec " + m);
            }
            // Again with fresh inputs: reused scratch must not leak the previous call's values.
            float[] y = gaussian(m.cols(), 11);
            p.matvec(m, y, out);
            for (int r = 0; r < m.rows(); r++) {
                assertRow(m, r, y, 0, out[r], choice + " second matvec " + m);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = BackendChoice.class, names = {"CPU", "ND4J"})
    void matmulMatchesScalarReference(BackendChoice choice) {
        MatrixProducts p = backend(choice).newProducts();
        for (int n : new int[] {1, 2, 5, 8, 13, 37}) {
            for (WeightMatrix m : matrices) {
                float[] x = gaussian(n * m.cols() + 7, 20 + n);
                float[] out = new float[n * m.rows() + 5];
                p.matmul(m, x, n, out);
                for (int t = 0; t < n; t++) {
                    for (int r = 0; r < m.rows(); r++) {
                        assertRow(m, r, x, t * m.cols(), out[t * m.rows() + r], choice + " matmul n=" + n + " token " + t + " " + m);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = BackendChoice.class, names = {"CPU", "ND4J"})
    void matvecsOverOneInputMatchScalarReference(BackendChoice choice) {
        MatrixProducts p = backend(choice).newProducts();
        WeightMatrix a = matrices.get(0);
        WeightMatrix b = matrices.get(4);
        WeightMatrix c = matrices.get(2);
        float[] x = gaussian(COLS, 30);
        float[] outA = new float[a.rows()];
        float[] outB = new float[b.rows()];
        float[] outC = new float[c.rows()];
        p.matvecs(x, a, outA, b, outB, c, outC);
        for (int r = 0; r < a.rows(); r++) {
            assertRow(a, r, x, 0, outA[r], choice + " matvecs a");
        }
        for (int r = 0; r < b.rows(); r++) {
            assertRow(b, r, x, 0, outB[r], choice + " matvecs b");
        }
        for (int r = 0; r < c.rows(); r++) {
            assertRow(c, r, x, 0, outC[r], choice + " matvecs c");
        }
        float[] outB2 = new float[b.rows()];
        float[] outA2 = new float[a.rows()];
        p.matvecs(x, b, outB2, a, outA2, null, null);
        for (int r = 0; r < b.rows(); r++) {
            assertRow(b, r, x, 0, outB2[r], choice + " two matvecs b");
        }
    }

    @Test
    void nd4jRefusesAMatrixItWasNotLoadedWith() {
        WeightMatrix stranger = matrix(GgmlType.F32, 4, 32, 99);
        MatrixProducts p = nd4j.newProducts();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> p.matvec(stranger, new float[32], new float[4]));
        assertTrue(e.getMessage().contains("not loaded"), e.getMessage());
    }

    @Test
    void nd4jRefusesInputsThatAreTooShort() {
        WeightMatrix m = matrices.get(0);
        MatrixProducts p = nd4j.newProducts();
        assertThrows(IllegalArgumentException.class, () -> p.matvec(m, new float[COLS - 1], new float[ROWS]));
        assertThrows(IllegalArgumentException.class, () -> p.matmul(m, new float[3 * COLS], 4, new float[4 * ROWS]));
    }

    @Test
    void theRuleSendsOnlyPromptChunksOfPlainFloatWeightsAndOnlyToAGpu() {
        assertTrue(AutoBackend.routesToNd4j(GgmlType.F32, AutoBackend.MIN_GEMM_TOKENS, true));
        assertTrue(AutoBackend.routesToNd4j(GgmlType.F16, 128, true));
        assertTrue(AutoBackend.routesToNd4j(GgmlType.BF16, 128, true));
        assertFalse(AutoBackend.routesToNd4j(GgmlType.F32, 1, true), "decode stays on the Vector API");
        assertFalse(AutoBackend.routesToNd4j(GgmlType.F32, AutoBackend.MIN_GEMM_TOKENS - 1, true));
        assertFalse(AutoBackend.routesToNd4j(GgmlType.Q8_0, 128, true), "quantised weights stay on the Vector API");
        assertFalse(AutoBackend.routesToNd4j(GgmlType.F32, 128, false), "on the CPU the Vector API measured faster");
    }

    @Test
    void autoOnTheCpuNeverStartsNd4j() {
        try (AutoBackend auto = AutoBackend.load(matrices, false)) {
            assertFalse(auto.onNd4j(matrices.get(0), 128));
            assertTrue(auto.description().startsWith("auto: Vector API ("), auto.description());
            assertTrue(auto.newProducts() instanceof VectorApiProducts);
        }
    }

    /** The GPU branch, run here on nd4j-native: routed products still agree with the reference. */
    @Test
    void autoWithNd4jRoutesPromptChunksAndKeepsResultsRight() {
        WeightMatrix f32 = matrices.get(0);
        WeightMatrix f16 = matrices.get(1);
        WeightMatrix q8 = matrices.get(2);
        try (AutoBackend auto = AutoBackend.load(List.of(f32, f16, q8), true)) {
            assertTrue(auto.onNd4j(f32, 128));
            assertTrue(auto.onNd4j(f16, AutoBackend.MIN_GEMM_TOKENS));
            assertFalse(auto.onNd4j(q8, 128));
            assertFalse(auto.onNd4j(f32, 1));
            assertTrue(auto.description().startsWith("auto: prompts on ND4J"), auto.description());
            MatrixProducts p = auto.newProducts();
            int n = 9;
            float[] x = gaussian(n * COLS, 40);
            float[] out = new float[n * ROWS];
            for (WeightMatrix m : List.of(f32, q8)) {
                p.matmul(m, x, n, out);
                for (int t = 0; t < n; t++) {
                    for (int r = 0; r < ROWS; r++) {
                        assertRow(m, r, x, t * COLS, out[t * ROWS + r], "auto " + m);
                    }
                }
            }
            float[] y = new float[ROWS];
            p.matvec(f32, x, y);
            for (int r = 0; r < ROWS; r++) {
                assertRow(f32, r, x, 0, y[r], "auto matvec");
            }
        }
    }

    @Test
    void autoWithoutPlainFloatWeightsNeverStartsNd4jEvenForAGpu() {
        try (AutoBackend auto = AutoBackend.load(List.of(matrices.get(2), matrices.get(3)), true)) {
            assertFalse(auto.onNd4j(matrices.get(2), 128));
            assertTrue(auto.description().contains("no F32/F16/BF16 weights"), auto.description());
        }
    }

    @Test
    void openBlasKernelsFollowTheCpuFlags() {
        assertEquals(Optional.of("SkylakeX"),
                OpenBlasCore.coreFor(" fpu sse2 avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16"));
        assertEquals(Optional.of("Haswell"), OpenBlasCore.coreFor(" fpu sse2 avx avx2 fma"));
        assertEquals(Optional.of("Haswell"), OpenBlasCore.coreFor(" avx2 fma avx512f avx512cd"),
                "Knights Landing has avx512f but not bw/dq/vl");
        assertEquals(Optional.empty(), OpenBlasCore.coreFor(" fpu sse2 sse4_2 avx"));
        assertEquals(Optional.empty(), OpenBlasCore.coreFor(""));
    }

    @Test
    void choicesParseByTheirCommandLineNamesOnly() {
        assertEquals(BackendChoice.CPU, BackendChoice.parse("cpu"));
        assertEquals(BackendChoice.ND4J, BackendChoice.parse("ND4J"));
        assertEquals(BackendChoice.AUTO, BackendChoice.parse(" auto "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackendChoice.parse("foo"));
        assertEquals("unknown backend 'foo' (choose one of cpu, nd4j, auto)", e.getMessage());
    }

    @Test
    void descriptionsNameTheLibraryAndDevice() {
        assertTrue(new VectorApiBackend().description().matches("Vector API \\(\\d+ threads?\\)"));
        assertTrue(nd4j.description().matches("ND4J 1\\.0\\.0-M2\\.1 \\(CPU, OpenBLAS, \\d+ threads?\\)"),
                nd4j.description());
    }
}
