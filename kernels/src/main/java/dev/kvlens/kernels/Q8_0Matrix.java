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
 * lane-wise and each block's partial dot is scaled once by d. Two blocks per step keep two
 * independent accumulator chains. The loops are written out in one method on purpose: a helper
 * taking or returning vectors that C2 declines to inline makes every vector a heap object.
 */
final class Q8_0Matrix extends AbstractWeightMatrix {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;

    Q8_0Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q8_0, data, rows, cols);
    }

    @Override
    void dotRows(int start, int end, float[] x, int xOffset, float[] prepared, float[] out, int outOffset) {
        int touched = 0;
        for (int row = start; row < end; row++) {
            long base = rowOffset(row);
            touched += touchAhead(base);
            MemorySegment seg = data;
            int blocks = cols / BLOCK;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            int b = 0;
            for (; b + 1 < blocks; b += 2) {
                long o = base + (long) b * BLOCK_BYTES;
                int xo = xOffset + b * BLOCK;
                FloatVector p0 = FloatVector.zero(F);
                FloatVector p1 = FloatVector.zero(F);
                for (int k = 0; k < BLOCK; k += L) {
                    p0 = ((FloatVector) ByteVector.fromMemorySegment(B, seg, o + 2 + k, Le.ORDER).convertShape(VectorOperators.B2F, F, 0))
                            .fma(FloatVector.fromArray(F, x, xo + k), p0);
                    p1 = ((FloatVector) ByteVector.fromMemorySegment(B, seg, o + BLOCK_BYTES + 2 + k, Le.ORDER).convertShape(VectorOperators.B2F, F, 0))
                            .fma(FloatVector.fromArray(F, x, xo + BLOCK + k), p1);
                }
                acc0 = p0.fma(FloatVector.broadcast(F, Float.float16ToFloat(seg.get(Le.SHORT, o))), acc0);
                acc1 = p1.fma(FloatVector.broadcast(F, Float.float16ToFloat(seg.get(Le.SHORT, o + BLOCK_BYTES))), acc1);
            }
            if (b < blocks) {
                long o = base + (long) b * BLOCK_BYTES;
                int xo = xOffset + b * BLOCK;
                FloatVector p0 = FloatVector.zero(F);
                for (int k = 0; k < BLOCK; k += L) {
                    p0 = ((FloatVector) ByteVector.fromMemorySegment(B, seg, o + 2 + k, Le.ORDER).convertShape(VectorOperators.B2F, F, 0))
                            .fma(FloatVector.fromArray(F, x, xo + k), p0);
                }
                acc0 = p0.fma(FloatVector.broadcast(F, Float.float16ToFloat(seg.get(Le.SHORT, o))), acc0);
            }
            out[outOffset + row - start] = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        sink = touched;
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
                for (int k = 0; k < BLOCK; k += L) {
                    ((FloatVector) ByteVector.fromMemorySegment(B, seg, o + 2 + k, Le.ORDER).convertShape(VectorOperators.B2F, F, 0)).mul(d)
                            .intoArray(out, rowOut + b * BLOCK + k);
                }
            }
        }
    }
}
