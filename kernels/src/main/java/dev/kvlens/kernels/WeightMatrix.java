package dev.kvlens.kernels;

import java.lang.foreign.MemorySegment;

/**
 * A {@code rows x cols} weight matrix stored row after row in one GGML format, read straight from
 * mapped memory (never copied to the heap; Q4_0 reads an off-heap copy of its blocks repacked for
 * its kernel, made on first use). Row {@code r} holds the weights that produce output
 * {@code r}: {@code out[r] = row(r) . x}, which is how GGUF lays out every linear layer.
 *
 * <p>Instances are immutable and safe to share between threads. {@code x} and {@code out} must not
 * overlap. Dot products accumulate in float, in a different order from a plain loop, so results
 * agree with the scalar reference ({@link ScalarReference}) to rounding, not bit for bit;
 * {@link #dequantizeRow} is exact. Q4_0 products read x rounded to 8 bits per block of 32, as
 * llama.cpp's do ({@link #roundedInput}); the scalar reference does the same.
 */
public interface WeightMatrix {

    GgmlType type();

    int rows();

    int cols();

    /** The raw bytes, {@code rows * type().byteSize(cols)} long. */
    MemorySegment data();

    /** {@code row(r) . x[xOffset .. xOffset + cols)}. */
    float dotRow(int row, float[] x, int xOffset);

    /** Writes row {@code row}, dequantised, into {@code out[offset .. offset + cols)}. */
    void dequantizeRow(int row, float[] out, int offset);

    /** {@code out[r] = row(r) . x} for every row, spread over {@link Parallel}'s threads. */
    void matvec(float[] x, float[] out);

    /** {@code x} with what this matrix's kernels derive from it, for {@link #matvecRows}; x must not change meanwhile. */
    PreparedInput prepare(float[] x);

    /**
     * {@code out[outOffset + r - start] = row(r) . x} for rows {@code [start, end)}, on the calling
     * thread only, with exactly the bits {@link #matvec} gives those rows. Lets a caller run
     * several matrices that read the same input in one parallel range, preparing it once.
     *
     * @throws IllegalArgumentException when {@code input} does not {@link PreparedInput#fits fit} this matrix
     */
    void matvecRows(PreparedInput input, int start, int end, float[] out, int outOffset);

    /**
     * Matrix-matrix product for {@code n} input vectors laid out one after another in {@code x}
     * ({@code n * cols} floats): {@code out[t * rows + r] = row(r) . x_t}. Each weight row is read
     * once per tile of tokens, which is what makes prefill faster than {@code n} matvecs.
     */
    void matmul(float[] x, int n, float[] out);

    /**
     * The input as this matrix's products read it, {@code n} vectors of {@code cols()} values: Q4_0
     * rounds each to 8 bits per block of 32 as llama.cpp does (its integer kernel needs that), into a
     * new array; every other format reads x as it is and returns x itself. Other backends' products
     * (ND4J) use it to compute what this matrix's own kernels compute.
     */
    default float[] roundedInput(float[] x, int n) {
        return x;
    }

    /**
     * Frees native memory the matrix made for its kernels (Q4_0's repacked copy) now rather than when
     * the garbage collector finds it unreachable, which may be long after a large model was closed.
     * The matrix must not be used afterwards. Does nothing for formats that made none.
     */
    default void release() {
    }

    /**
     * A matrix over {@code data} (not copied). Rows are whole blocks, so {@code cols} must be a
     * multiple of the type's block size and {@code data} exactly {@code rows * type.byteSize(cols)}
     * bytes long.
     *
     * @throws IllegalArgumentException when the type is not supported or the sizes disagree
     */
    static WeightMatrix of(GgmlType type, MemorySegment data, int rows, int cols) {
        if (type == null || data == null) {
            throw new IllegalArgumentException("type and data must not be null");
        }
        if (rows < 0 || cols <= 0) {
            throw new IllegalArgumentException(
                    "bad shape " + rows + " x " + cols + " for a " + type + " matrix");
        }
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + " rows must be whole blocks of "
                    + type.blockSize() + " values, but cols = " + cols);
        }
        long rowBytes = type.byteSize(cols);
        if (rowBytes < 0 || (long) rows * rowBytes != data.byteSize()) {
            throw new IllegalArgumentException(type + " matrix " + rows + " x " + cols + " needs "
                    + (long) rows * rowBytes + " bytes, but the data holds " + data.byteSize());
        }
        return switch (type) {
            case F32 -> new F32Matrix(data, rows, cols);
            case F16 -> new F16Matrix(data, rows, cols);
            case BF16 -> new Bf16Matrix(data, rows, cols);
            case Q8_0 -> new Q8_0Matrix(data, rows, cols);
            case Q4_0 -> new Q4_0Matrix(data, rows, cols);
            case Q4_K -> new Q4KMatrix(data, rows, cols);
            case Q5_K -> new Q5KMatrix(data, rows, cols);
            case Q6_K -> new Q6KMatrix(data, rows, cols);
            default -> throw new IllegalArgumentException(
                    "weight format " + type + " is not supported (supported: F32, F16, BF16, Q8_0,"
                            + " Q4_0, Q4_K, Q5_K, Q6_K)");
        };
    }
}
