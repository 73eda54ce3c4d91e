package dev.kvlens.kernels;

import static dev.kvlens.kernels.Simd.B;
import static dev.kvlens.kernels.Simd.F;
import static dev.kvlens.kernels.Simd.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0 blocks of 32: f16 scale d, then 16 bytes whose low nibbles are elements 0..15 and high
 * nibbles elements 16..31; value = (q - 8) * d. Nibbles are split with byte-vector ops, widened
 * to floats and the block's partial dot is scaled once by d.
 */
final class Q4_0Matrix extends AbstractWeightMatrix {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;

    Q4_0Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_0, data, rows, cols);
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

    private static FloatVector blockDot(MemorySegment seg, long o, float[] x, int xo, FloatVector acc) {
        float d = Float.float16ToFloat(seg.get(Le.SHORT, o));
        FloatVector p = FloatVector.zero(F);
        for (int k = 0; k < 16; k += L) {
            ByteVector v = ByteVector.fromMemorySegment(B, seg, o + 2 + k, Le.ORDER);
            ByteVector lo = v.and((byte) 0x0f).sub((byte) 8);
            ByteVector hi = v.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).sub((byte) 8);
            p = Simd.bytesToFloats(lo).fma(FloatVector.fromArray(F, x, xo + k), p);
            p = Simd.bytesToFloats(hi).fma(FloatVector.fromArray(F, x, xo + 16 + k), p);
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
            int y = offset + b * BLOCK;
            for (int k = 0; k < 16; k += L) {
                ByteVector v = ByteVector.fromMemorySegment(B, seg, o + 2 + k, Le.ORDER);
                ByteVector lo = v.and((byte) 0x0f).sub((byte) 8);
                ByteVector hi = v.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0f).sub((byte) 8);
                Simd.bytesToFloats(lo).mul(d).intoArray(out, y + k);
                Simd.bytesToFloats(hi).mul(d).intoArray(out, y + 16 + k);
            }
        }
    }
}
