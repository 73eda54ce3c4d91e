package dev.kvlens.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/** Seeded random weight data for the tests: valid blocks of every supported format. */
final class TestMatrices {

    static final GgmlType[] FORMATS = {
        GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
        GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
    };

    private TestMatrices() {
    }

    /** A column count that is whole blocks and, for plain floats, not a multiple of any vector length. */
    static int colsFor(GgmlType type) {
        return switch (type.blockSize()) {
            case 1 -> 75;
            case 32 -> 160;
            default -> 512;
        };
    }

    static float[] gaussian(Random rnd, int n, float sigma) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian() * sigma;
        }
        return v;
    }

    /**
     * Random bytes for every quant field, so that every bit pattern of quants and packed scales
     * is exercised, with the f16 scale fields replaced by finite values of moderate size.
     */
    static byte[] randomBlocks(GgmlType type, int rows, int cols, Random rnd) {
        if (type.blockSize() == 1) {
            float[] v = gaussian(rnd, rows * cols, 1f);
            return Quantizer.quantize(type, v, 0, v.length);
        }
        byte[] bytes = new byte[(int) (rows * type.byteSize(cols))];
        rnd.nextBytes(bytes);
        MemorySegment seg = MemorySegment.ofArray(bytes);
        int blocks = rows * cols / type.blockSize();
        for (int b = 0; b < blocks; b++) {
            long o = (long) b * type.typeSize();
            switch (type) {
                case Q8_0, Q4_0 -> seg.set(Le.SHORT, o, Quantizer.toF16(randomScale(rnd)));
                case Q4_K, Q5_K -> {
                    seg.set(Le.SHORT, o, Quantizer.toF16(randomScale(rnd)));
                    seg.set(Le.SHORT, o + 2, Quantizer.toF16(randomScale(rnd)));
                }
                case Q6_K -> seg.set(Le.SHORT, o + 208, Quantizer.toF16(randomScale(rnd)));
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return bytes;
    }

    private static float randomScale(Random rnd) {
        return (float) ((rnd.nextDouble() * 2 - 1) * 0.05);
    }

    /** Copies {@code bytes} off the heap, as a mapped file would be. */
    static MemorySegment offHeap(byte[] bytes) {
        MemorySegment seg = Arena.ofAuto().allocate(Math.max(1, bytes.length), 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
        return seg.asSlice(0, bytes.length).asReadOnly();
    }
}
