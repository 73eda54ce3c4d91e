package dev.kvlens.kernels;

import java.lang.foreign.MemorySegment;

/**
 * A {@code rows x cols} weight matrix stored row after row in one GGML format, read straight from
 * mapped memory (never copied to the heap). Row {@code r} holds the weights that produce output
 * {@code r}: {@code out[r] = row(r) . x}, which is how GGUF lays out every linear layer.
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

    /**
     * Matrix-matrix product for {@code n} input vectors laid out one after another in {@code x}
     * ({@code n * cols} floats): {@code out[t * rows + r] = row(r) . x_t}. Each weight row is read
     * once per tile of tokens, which is what makes prefill faster than {@code n} matvecs.
     */
    void matmul(float[] x, int n, float[] out);
}
