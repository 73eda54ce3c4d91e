package dev.kvlens.kernels;

import static dev.kvlens.kernels.Simd.B;
import static dev.kvlens.kernels.Simd.F;
import static dev.kvlens.kernels.Simd.I;
import static dev.kvlens.kernels.Simd.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K super-blocks of 256: f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles.
 * Each 64 values share 32 bytes: low nibbles are the first 32 (scale 2j), high nibbles the next 32
 * (scale 2j + 1); value = d * sc * q - dmin * m. The min term is summed separately as
 * {@code dmin * m * sum(x)}.
 */
final class Q4KMatrix extends AbstractWeightMatrix {

    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 144;

    Q4KMatrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_K, data, rows, cols);
    }

    /** Sums of x per 32-value sub-block: the min term becomes {@code dmin * m * sum} per sub-block. */
    @Override
    float[] prepareInput(float[] x, int xOffset) {
        return groupSums(x, xOffset, 32);
    }

    @Override
    void dotRows(int start, int end, float[] x, int xOffset, Object prepared, float[] out, int outOffset) {
        float[] xSums = (float[]) prepared;
        for (int row = start; row < end; row++) {
            long base = rowOffset(row);
            MemorySegment seg = data;
            int blocks = cols / BLOCK;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            float mins = 0;
            float[] scales = new float[8];
            for (int b = 0; b < blocks; b++) {
                long o = base + (long) b * BLOCK_BYTES;
                float d = Float.float16ToFloat(seg.get(Le.SHORT, o));
                float dmin = Float.float16ToFloat(seg.get(Le.SHORT, o + 2));
                long lo8 = seg.get(Le.LONG, o + 4);
                int hi4 = seg.get(Le.INT, o + 12);
                KScales.scales(lo8, hi4, d, scales);
                mins += dmin * KScales.minDot(lo8, hi4, xSums, 8 * b);
                int xb = xOffset + b * BLOCK;
                for (int j = 0; j < 4; j++) {
                    long q = o + 16 + 32L * j;
                    int x1 = xb + 64 * j;
                    FloatVector p1 = FloatVector.zero(F);
                    FloatVector p2 = FloatVector.zero(F);
                    for (int k = 0; k < 32; k += L) {
                        IntVector v = (IntVector) ByteVector.fromMemorySegment(B, seg, q + k, Le.ORDER)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                        p1 = ((FloatVector) v.and(0x0f).convert(VectorOperators.I2F, 0))
                                .fma(FloatVector.fromArray(F, x, x1 + k), p1);
                        p2 = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                                .fma(FloatVector.fromArray(F, x, x1 + 32 + k), p2);
                    }
                    acc0 = p1.fma(FloatVector.broadcast(F, scales[2 * j]), acc0);
                    acc1 = p2.fma(FloatVector.broadcast(F, scales[2 * j + 1]), acc1);
                }
            }
            out[outOffset + row - start] = Simd.sum(acc0.add(acc1)) - mins;
        }
    }

    @Override
    void dequantizeRows(int start, int end, float[] out, int offset) {
        for (int row = start; row < end; row++) {
            int rowOut = offset + (row - start) * cols;
            long base = rowOffset(row);
            MemorySegment seg = data;
            int blocks = cols / BLOCK;
            for (int b = 0; b < blocks; b++) {
                long o = base + (long) b * BLOCK_BYTES;
                float d = Float.float16ToFloat(seg.get(Le.SHORT, o));
                float dmin = Float.float16ToFloat(seg.get(Le.SHORT, o + 2));
                int y = rowOut + b * BLOCK;
                for (int j = 0; j < 4; j++) {
                    long q = o + 16 + 32L * j;
                    float d1 = d * KScales.scale(seg, o + 4, 2 * j);
                    float m1 = dmin * KScales.min(seg, o + 4, 2 * j);
                    float d2 = d * KScales.scale(seg, o + 4, 2 * j + 1);
                    float m2 = dmin * KScales.min(seg, o + 4, 2 * j + 1);
                    for (int k = 0; k < 32; k += L) {
                        IntVector v = ((IntVector) ByteVector.fromMemorySegment(B, seg, q + k, Le.ORDER).convertShape(VectorOperators.B2I, I, 0));
                        ((FloatVector) v.and(0x0f).convert(VectorOperators.I2F, 0)).mul(d1).sub(m1).intoArray(out, y + 64 * j + k);
                        ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0x0f).convert(VectorOperators.I2F, 0)).mul(d2).sub(m2)
                                .intoArray(out, y + 64 * j + 32 + k);
                    }
                }
            }
        }
    }
}
