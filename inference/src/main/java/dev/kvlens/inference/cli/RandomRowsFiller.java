package dev.kvlens.inference.cli;

import dev.kvlens.inference.gguf.GgufTensorFiller;
import dev.kvlens.kernels.GgmlType;
import dev.kvlens.kernels.Parallel;
import dev.kvlens.kernels.Quantizer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Writes a {@code rows x cols} tensor of N(0, sigma) values, encoded in {@code type}, batch of
 * rows by batch of rows: the rows of a batch are drawn and quantised in parallel into a bounded
 * heap buffer, then copied into the output on the writing thread (the writer's mapping may be
 * confined to it). Each row has its own generator seeded from (seed, tensor, row), so the file is
 * the same whatever the thread count.
 */
final class RandomRowsFiller implements GgufTensorFiller {

    /** Upper bound of the staging buffer; a 4 GB model is written through this much heap. */
    private static final long BATCH_BYTES = 8L << 20;

    private static final ValueLayout.OfFloat LITTLE_ENDIAN_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GgmlType type;
    private final int rows;
    private final int cols;
    private final float sigma;
    private final long seed;
    private final int tensorIndex;

    RandomRowsFiller(GgmlType type, int rows, int cols, float sigma, long seed, int tensorIndex) {
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.sigma = sigma;
        this.seed = seed;
        this.tensorIndex = tensorIndex;
    }

    @Override
    public void fill(MemorySegment target) {
        long rowBytes = type.byteSize(cols);
        int batchRows = (int) Math.max(1, Math.min(rows, BATCH_BYTES / rowBytes));
        byte[] staging = new byte[(int) (batchRows * rowBytes)];
        MemorySegment stagingSegment = MemorySegment.ofArray(staging);
        for (int first = 0; first < rows; first += batchRows) {
            int batchFirst = first;
            int n = Math.min(batchRows, rows - first);
            Parallel.forRange(n, (from, to) -> {
                float[] row = new float[cols];
                for (int i = from; i < to; i++) {
                    SplittableRandom random = new SplittableRandom(rowSeed(seed, tensorIndex, batchFirst + i));
                    for (int c = 0; c < cols; c++) {
                        row[c] = (float) (random.nextGaussian() * sigma);
                    }
                    Quantizer.quantize(type, row, 0, cols, stagingSegment, i * rowBytes);
                }
            });
            MemorySegment.copy(stagingSegment, 0, target, first * rowBytes, n * rowBytes);
        }
    }

    /** SplitMix64's finaliser over the three coordinates: nearby rows get unrelated streams. */
    static long rowSeed(long seed, int tensor, int row) {
        long z = seed + 0x9E3779B97F4A7C15L * (1 + tensor) + 0xC2B2AE3D27D4EB4FL * (1 + (long) row);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A 1-D F32 tensor of ones (RMSNorm weights that leave the normalised vector as it is). */
    static GgufTensorFiller ones() {
        return target -> {
            for (long i = 0; i < target.byteSize(); i += Float.BYTES) {
                target.set(LITTLE_ENDIAN_FLOAT, i, 1f);
            }
        };
    }
}
