package dev.kvlens.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every format's vector kernels against the plain scalar decoders in {@link ScalarReference}. */
class WeightMatrixTest {

    private static final int ROWS = 37; // not a multiple of the 4-row matmul tile

    @AfterAll
    static void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    private static WeightMatrix matrix(GgmlType type, int rows, int cols, long seed) {
        byte[] bytes = TestMatrices.randomBlocks(type, rows, cols, new Random(seed));
        return WeightMatrix.of(type, TestMatrices.offHeap(bytes), rows, cols);
    }

    private static float[] referenceRow(WeightMatrix m, int r) {
        float[] w = new float[m.cols()];
        ScalarReference.dequantizeRow(m.type(), m.data(), r * m.type().byteSize(m.cols()), m.cols(), w, 0);
        return w;
    }

    /** Tolerance for a float dot: relative to the sum of |w * x|, the scale of rounding error. */
    private static double tolerance(float[] w, float[] x, int xOff) {
        double abs = 0;
        for (int i = 0; i < w.length; i++) {
            abs += Math.abs((double) w[i] * x[xOff + i]);
        }
        return 2e-6 * abs + 1e-30;
    }

    /** Q4_0's repacked copy is freed by release: the matrix then refuses to run rather than read freed memory. */
    @Test
    void releasedQ4_0MatrixFreesItsCopy() {
        WeightMatrix m = matrix(GgmlType.Q4_0, ROWS, TestMatrices.colsFor(GgmlType.Q4_0), 21);
        float[] x = TestMatrices.gaussian(new Random(22), m.cols(), 1f);
        float[] out = new float[m.rows()];
        m.matvec(x, out);
        double expected = ScalarReference.dot(m.type(), m.data(), 3 * m.type().byteSize(m.cols()), m.cols(), x, 0);
        assertEquals(expected, out[3], tolerance(referenceRow(m, 3), x, 0));
        m.release();
        m.release(); // twice is harmless
        assertThrows(IllegalStateException.class, () -> m.matvec(x, out));
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void dequantizeRowEqualsScalarReferenceExactly(GgmlType type) {
        WeightMatrix m = matrix(type, ROWS, TestMatrices.colsFor(type), 11);
        for (int r = 0; r < m.rows(); r++) {
            float[] out = new float[m.cols() + 5];
            m.dequantizeRow(r, out, 5);
            float[] expected = referenceRow(m, r);
            for (int i = 0; i < m.cols(); i++) {
                assertEquals(expected[i], out[5 + i], 0f, type + " row " + r + " col " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void dotRowMatchesScalarReference(GgmlType type) {
        WeightMatrix m = matrix(type, ROWS, TestMatrices.colsFor(type), 12);
        Random rnd = new Random(13);
        float[] x = TestMatrices.gaussian(rnd, m.cols() + 3, 1f);
        for (int r = 0; r < m.rows(); r++) {
            float[] w = referenceRow(m, r);
            double expected = ScalarReference.dot(type, m.data(), r * type.byteSize(m.cols()), m.cols(), x, 3);
            assertEquals(expected, m.dotRow(r, x, 3), tolerance(w, x, 3), type + " row " + r);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void matvecMatchesScalarReferenceOnTwoThreads(GgmlType type) {
        Parallel.setThreads(2);
        WeightMatrix m = matrix(type, 203, TestMatrices.colsFor(type), 14);
        float[] x = TestMatrices.gaussian(new Random(15), m.cols(), 1f);
        float[] out = new float[m.rows()];
        m.matvec(x, out);
        for (int r = 0; r < m.rows(); r++) {
            float[] w = referenceRow(m, r);
            double expected = ScalarReference.dot(type, m.data(), r * type.byteSize(m.cols()), m.cols(), x, 0);
            assertEquals(expected, out[r], tolerance(w, x, 0), type + " row " + r);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void matmulMatchesScalarReference(GgmlType type) {
        Parallel.setThreads(2);
        WeightMatrix m = matrix(type, ROWS, TestMatrices.colsFor(type), 16);
        // 1-9 tokens take the 4 x 4 tile; from Simd.L on, the token-lane tile (whole vectors and a tail)
        for (int n : new int[] {1, 2, 4, 7, 9, Simd.L, Simd.L + 1, 3 * Simd.L - 5}) {
            float[] x = TestMatrices.gaussian(new Random(17 + n), n * m.cols(), 1f);
            float[] out = new float[n * m.rows()];
            m.matmul(x, n, out);
            for (int t = 0; t < n; t++) {
                for (int r = 0; r < m.rows(); r++) {
                    float[] w = referenceRow(m, r);
                    double expected = ScalarReference.dot(type, m.data(), r * type.byteSize(m.cols()), m.cols(), x, t * m.cols());
                    assertEquals(expected, out[t * m.rows() + r], tolerance(w, x, t * m.cols()),
                            type + " n " + n + " token " + t + " row " + r);
                }
            }
        }
    }

    /**
     * Kernels that take several rows at once (rows far apart, for memory streams) must give each row
     * exactly the bits of the row on its own: a token's output cannot depend on how rows were chunked.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void matvecRowsHaveTheBitsOfSingleRows(GgmlType type) {
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            WeightMatrix m = matrix(type, 203, TestMatrices.colsFor(type), 24);
            float[] x = TestMatrices.gaussian(new Random(25), m.cols(), 1f);
            float[] out = new float[m.rows()];
            m.matvec(x, out);
            for (int r = 0; r < m.rows(); r++) {
                assertEquals(m.dotRow(r, x, 0), out[r], 0f, type + " row " + r + " on " + threads + " threads");
            }
        }
        Parallel.setThreads(2);
    }

    /** Any row range computed alone has the bits matvec gives those rows, written from the offset asked. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void matvecRowsHasTheBitsOfMatvec(GgmlType type) {
        Parallel.setThreads(2);
        WeightMatrix m = matrix(type, 203, TestMatrices.colsFor(type), 26);
        float[] x = TestMatrices.gaussian(new Random(27), m.cols(), 1f);
        float[] whole = new float[m.rows()];
        m.matvec(x, whole);
        for (int[] range : new int[][] {{0, 203}, {0, 1}, {5, 6}, {17, 100}, {101, 203}, {50, 50}}) {
            float[] part = new float[range[1] - range[0] + 3];
            m.matvecRows(m.prepare(x), range[0], range[1], part, 3);
            for (int r = range[0]; r < range[1]; r++) {
                assertEquals(whole[r], part[3 + r - range[0]], 0f, type + " row " + r + " of range " + range[0] + ".." + range[1]);
            }
        }
        PreparedInput input = m.prepare(x);
        assertThrows(IllegalArgumentException.class, () -> m.matvecRows(input, 0, 204, new float[204], 0));
        assertThrows(IllegalArgumentException.class, () -> m.matvecRows(input, 10, 20, new float[15], 6));
        WeightMatrix other = matrix(type == GgmlType.F32 ? GgmlType.F16 : GgmlType.F32, 4, m.cols(), 28);
        assertThrows(IllegalArgumentException.class, () -> m.matvecRows(other.prepare(x), 0, 1, new float[1], 0));
    }

    /** The same comparison after thousands of calls, so that C2's compiled vector code is what runs. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void kernelsAgreeAfterJitCompilation(GgmlType type) {
        Parallel.setThreads(1);
        WeightMatrix m = matrix(type, 8, TestMatrices.colsFor(type), 22);
        float[] x = TestMatrices.gaussian(new Random(23), m.cols(), 1f);
        float[] out = new float[m.rows()];
        float[] row = new float[m.cols()];
        for (int i = 0; i < 4000; i++) {
            m.matvec(x, out);
            m.dequantizeRow(i & 7, row, 0);
        }
        for (int r = 0; r < m.rows(); r++) {
            float[] w = referenceRow(m, r);
            double expected = ScalarReference.dot(type, m.data(), r * type.byteSize(m.cols()), m.cols(), x, 0);
            assertEquals(expected, out[r], tolerance(w, x, 0), type + " row " + r);
            assertEquals(expected, m.dotRow(r, x, 0), tolerance(w, x, 0), type + " dotRow " + r);
            m.dequantizeRow(r, row, 0);
            assertArrayEquals(w, row, type + " dequantizeRow " + r);
        }
        Parallel.setThreads(2);
    }

    /** KV Lens promises the same bits for the same inputs, before and after the JIT compiles matmul. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "Q8_0", "Q4_K"})
    void matmulGivesTheSameBitsColdAndWarm(GgmlType type) {
        Parallel.setThreads(1);
        WeightMatrix m = matrix(type, 8, TestMatrices.colsFor(type), 24);
        int n = 8;
        float[] x = TestMatrices.gaussian(new Random(25), n * m.cols(), 1f);
        float[] cold = new float[n * m.rows()];
        m.matmul(x, n, cold);
        float[] warm = new float[n * m.rows()];
        for (int i = 0; i < 3000; i++) {
            m.matmul(x, n, warm);
        }
        for (int i = 0; i < cold.length; i++) {
            assertEquals(Float.floatToIntBits(cold[i]), Float.floatToIntBits(warm[i]), type + " output " + i);
        }
        Parallel.setThreads(2);
    }

    /**
     * In a long prompt each output is one multiply-add chain over the columns in order, so a token
     * gets the same bits whatever the prompt's length, its place in it, or whether its row filled
     * a tile of 8 rows (37 rows leave 5 outside; 40 rows are whole tiles).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "Q8_0", "Q4_K"})
    void longPromptTokensHaveTheSameBitsWhateverThePromptAndTile(GgmlType type) {
        Parallel.setThreads(2);
        int cols = TestMatrices.colsFor(type);
        byte[] bytes = TestMatrices.randomBlocks(type, 40, cols, new Random(30));
        WeightMatrix whole = WeightMatrix.of(type, TestMatrices.offHeap(bytes), 40, cols);
        WeightMatrix partial = WeightMatrix.of(type, TestMatrices.offHeap(java.util.Arrays.copyOf(bytes,
                (int) (37 * type.byteSize(cols)))), 37, cols);
        int n = 3 * Simd.L + 3;
        float[] x = TestMatrices.gaussian(new Random(31), n * cols, 1f);
        float[] out = new float[n * 40];
        whole.matmul(x, n, out);
        int shift = 5;
        int m = Simd.L + 2;
        float[] later = java.util.Arrays.copyOfRange(x, shift * cols, (shift + m) * cols);
        float[] outLater = new float[m * 37];
        partial.matmul(later, m, outLater);
        for (int t = 0; t < m; t++) {
            for (int r = 0; r < 37; r++) {
                assertEquals(Float.floatToIntBits(out[(shift + t) * 40 + r]), Float.floatToIntBits(outLater[t * 37 + r]),
                        type + " token " + (shift + t) + " row " + r);
            }
        }
    }

    @Test
    void matmulTakesLongPromptsInTokenTiles() {
        Parallel.setThreads(2);
        // 4096 columns make the token tile 64, so 130 tokens cross two tile boundaries.
        WeightMatrix m = matrix(GgmlType.Q8_0, 9, 4096, 18);
        int n = 130;
        float[] x = TestMatrices.gaussian(new Random(19), n * m.cols(), 1f);
        float[] out = new float[n * m.rows()];
        m.matmul(x, n, out);
        float[] single = new float[m.rows()];
        for (int t = 0; t < n; t++) {
            float[] xt = java.util.Arrays.copyOfRange(x, t * m.cols(), (t + 1) * m.cols());
            m.matvec(xt, single);
            for (int r = 0; r < m.rows(); r++) {
                assertEquals(single[r], out[t * m.rows() + r], 1e-3f, "token " + t + " row " + r);
            }
        }
    }

    @Test
    void factoryRejectsWrongSizes() {
        MemorySegment seg = MemorySegment.ofArray(new byte[34 * 4]);
        assertEquals(GgmlType.Q8_0, WeightMatrix.of(GgmlType.Q8_0, seg, 2, 64).type());
        IllegalArgumentException partial = assertThrows(IllegalArgumentException.class,
                () -> WeightMatrix.of(GgmlType.Q8_0, seg, 4, 48));
        assertTrue(partial.getMessage().contains("whole blocks"), partial.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> WeightMatrix.of(GgmlType.Q8_0, seg, 3, 64));
        assertTrue(size.getMessage().contains("needs 204 bytes"), size.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WeightMatrix.of(GgmlType.Q8_0, seg, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> WeightMatrix.of(GgmlType.Q8_0, seg, -1, 64));
        IllegalArgumentException unsupported = assertThrows(IllegalArgumentException.class,
                () -> WeightMatrix.of(GgmlType.Q2_K, MemorySegment.ofArray(new byte[84]), 1, 256));
        assertTrue(unsupported.getMessage().contains("not supported"), unsupported.getMessage());
    }

    @Test
    void rowIndexOutOfRangeIsRejected() {
        WeightMatrix m = matrix(GgmlType.F32, 3, 8, 20);
        assertThrows(IndexOutOfBoundsException.class, () -> m.dotRow(3, new float[8], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> m.dequantizeRow(-1, new float[8], 0));
    }

    @Test
    void shapeAndDataAreReported() {
        byte[] bytes = TestMatrices.randomBlocks(GgmlType.Q4_K, 2, 512, new Random(21));
        MemorySegment seg = MemorySegment.ofArray(bytes);
        WeightMatrix m = WeightMatrix.of(GgmlType.Q4_K, seg, 2, 512);
        assertEquals(2, m.rows());
        assertEquals(512, m.cols());
        assertEquals(bytes.length, m.data().byteSize());
        float[] a = new float[512];
        m.dequantizeRow(1, a, 0);
        float[] b = referenceRow(m, 1);
        assertArrayEquals(b, a);
    }
}
