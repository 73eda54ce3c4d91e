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
 * Q4_0 blocks of 32: f16 scale d, then 16 bytes whose low nibbles are elements 0..15 and high
 * nibbles elements 16..31; value = (q - 8) * d. Bytes are widened to ints once and both nibbles
 * split there (x86 has no byte shifts), then converted to floats; each block's partial dot is
 * scaled once by d. Loops are kept in one method so C2 never boxes a vector across a call.
 */
final class Q4_0Matrix extends AbstractWeightMatrix {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;

    Q4_0Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_0, data, rows, cols);
    }

    /** Block sums of x: the -8 offset becomes {@code -8 * d * sum(x)} per block. */
    @Override
    float[] prepareInput(float[] x, int xOffset) {
        return groupSums(x, xOffset, BLOCK);
    }

    @Override
    void dotRows(int start, int end, float[] x, int xOffset, float[] prepared, float[] out, int outOffset) {
        float[] xSums = prepared;
        for (int row = start; row < end; row++) {
            long base = rowOffset(row);
            MemorySegment seg = data;
            int blocks = cols / BLOCK;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            float offset = 0;
            int b = 0;
            for (; b + 1 < blocks; b += 2) {
                long o = base + (long) b * BLOCK_BYTES;
                int xo = xOffset + b * BLOCK;
                float d0 = Float.float16ToFloat(seg.get(Le.SHORT, o));
                float d1 = Float.float16ToFloat(seg.get(Le.SHORT, o + BLOCK_BYTES));
                FloatVector p0 = FloatVector.zero(F);
                FloatVector p1 = FloatVector.zero(F);
                for (int k = 0; k < 16; k += L) {
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, seg, o + 2 + k, Le.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, seg, o + BLOCK_BYTES + 2 + k, Le.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    p0 = ((FloatVector) q0.and(0x0f).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xo + k), p0);
                    p0 = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F, x, xo + 16 + k), p0);
                    p1 = ((FloatVector) q1.and(0x0f).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xo + BLOCK + k), p1);
                    p1 = ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F, x, xo + BLOCK + 16 + k), p1);
                }
                acc0 = p0.fma(FloatVector.broadcast(F, d0), acc0);
                acc1 = p1.fma(FloatVector.broadcast(F, d1), acc1);
                offset += d0 * xSums[b] + d1 * xSums[b + 1];
            }
            if (b < blocks) {
                long o = base + (long) b * BLOCK_BYTES;
                int xo = xOffset + b * BLOCK;
                float d0 = Float.float16ToFloat(seg.get(Le.SHORT, o));
                FloatVector p0 = FloatVector.zero(F);
                for (int k = 0; k < 16; k += L) {
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, seg, o + 2 + k, Le.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    p0 = ((FloatVector) q0.and(0x0f).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xo + k), p0);
                    p0 = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F, x, xo + 16 + k), p0);
                }
                acc0 = p0.fma(FloatVector.broadcast(F, d0), acc0);
                offset += d0 * xSums[b];
            }
            out[outOffset + row - start] = Simd.sum(acc0.add(acc1)) - 8 * offset;
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
                FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(seg.get(Le.SHORT, o)));
                int y = rowOut + b * BLOCK;
                for (int k = 0; k < 16; k += L) {
                    IntVector q = ((IntVector) ByteVector.fromMemorySegment(B, seg, o + 2 + k, Le.ORDER).convertShape(VectorOperators.B2I, I, 0));
                    ((FloatVector) q.and(0x0f).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(out, y + k);
                    ((FloatVector) q.lanewise(VectorOperators.ASHR, 4).and(0x0f).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(out, y + 16 + k);
                }
            }
        }
    }
}
