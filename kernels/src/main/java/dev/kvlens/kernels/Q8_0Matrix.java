package dev.kvlens.kernels;

import static dev.kvlens.kernels.Simd.B;
import static dev.kvlens.kernels.Simd.F;
import static dev.kvlens.kernels.Simd.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q8_0 blocks of 32: f16 scale d, then 32 int8 q; value = q * d. The bytes are widened to floats
 * lane-wise and the block's partial dot is scaled once by d. Two blocks per step keep two
 * independent accumulator chains.
 */
final class Q8_0Matrix extends AbstractWeightMatrix {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;

    Q8_0Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q8_0, data, rows, cols);
    }

    @Override
    public float dotRow(int row, float[] x, int xOffset) {
        long base = rowOffset(row);
        MemorySegment seg = data;
        int blocks = cols / BLOCK;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            long o = base + (long) b * BLOCK_BYTES;
            acc0 = blockDot(seg, o, x, xOffset + b * BLOCK, acc0);
            acc1 = blockDot(seg, o + BLOCK_BYTES, x, xOffset + b * BLOCK + BLOCK, acc1);
        }
        if (b < blocks) {
            acc0 = blockDot(seg, base + (long) b * BLOCK_BYTES, x, xOffset + b * BLOCK, acc0);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /** {@code acc + d * (q . x)} lane-wise for the block at {@code o}. */
    private static FloatVector blockDot(MemorySegment seg, long o, float[] x, int xo, FloatVector acc) {
        float d = Float.float16ToFloat(seg.get(Le.SHORT, o));
        FloatVector p = Simd.bytesToFloats(ByteVector.fromMemorySegment(B, seg, o + 2, Le.ORDER))
                .mul(FloatVector.fromArray(F, x, xo));
        for (int k = L; k < BLOCK; k += L) {
            p = Simd.bytesToFloats(ByteVector.fromMemorySegment(B, seg, o + 2 + k, Le.ORDER))
                    .fma(FloatVector.fromArray(F, x, xo + k), p);
        }
        return p.fma(FloatVector.broadcast(F, d), acc);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long base = rowOffset(row);
        MemorySegment seg = data;
        int blocks = cols / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(seg.get(Le.SHORT, o)));
            for (int k = 0; k < BLOCK; k += L) {
                Simd.bytesToFloats(ByteVector.fromMemorySegment(B, seg, o + 2 + k, Le.ORDER)).mul(d)
                        .intoArray(out, offset + b * BLOCK + k);
            }
        }
    }
}
