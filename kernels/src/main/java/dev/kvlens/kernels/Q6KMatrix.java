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
 * Q6_K super-blocks of 256: 128 bytes ql (low 4 bits), 64 bytes qh (high 2 bits), 16 int8 scales
 * (one per 16 values), f16 d; value = d * scale * (q - 32). Each half of 128 values uses 64 ql and
 * 32 qh bytes: ql[l] low/high nibbles are values l and l + 64, ql[l + 32] values l + 32 and l + 96,
 * and qh[l] bit pairs 0, 2, 4, 6 extend them in that order (l, l + 32, l + 64, l + 96).
 */
final class Q6KMatrix extends AbstractWeightMatrix {

    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 210;

    Q6KMatrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q6_K, data, rows, cols);
    }

    @Override
    void dotRows(int start, int end, float[] x, int xOffset, Object prepared, float[] out, int outOffset) {
        for (int row = start; row < end; row++) {
            long base = rowOffset(row);
            MemorySegment seg = data;
            int blocks = cols / BLOCK;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            FloatVector acc2 = FloatVector.zero(F);
            FloatVector acc3 = FloatVector.zero(F);
            for (int b = 0; b < blocks; b++) {
                long o = base + (long) b * BLOCK_BYTES;
                float d = Float.float16ToFloat(seg.get(Le.SHORT, o + 208));
                for (int half = 0; half < 2; half++) {
                    long ql = o + 64L * half;
                    long qh = o + 128 + 32L * half;
                    long sc = o + 192 + 8L * half;
                    int y = xOffset + b * BLOCK + 128 * half;
                    for (int l = 0; l < 32; l += L) {
                        int is = l / 16;
                        IntVector la = ((IntVector) ByteVector.fromMemorySegment(B, seg, ql + l, Le.ORDER).convertShape(VectorOperators.B2I, I, 0));
                        IntVector lb = ((IntVector) ByteVector.fromMemorySegment(B, seg, ql + 32 + l, Le.ORDER).convertShape(VectorOperators.B2I, I, 0));
                        IntVector h = ((IntVector) ByteVector.fromMemorySegment(B, seg, qh + l, Le.ORDER).convertShape(VectorOperators.B2I, I, 0));
                        IntVector q1 = la.and(0x0f).or(h.lanewise(VectorOperators.LSHL, 4).and(0x30)).sub(32);
                        IntVector q2 = lb.and(0x0f).or(h.lanewise(VectorOperators.LSHL, 2).and(0x30)).sub(32);
                        IntVector q3 = la.lanewise(VectorOperators.ASHR, 4).and(0x0f).or(h.and(0x30)).sub(32);
                        IntVector q4 = lb.lanewise(VectorOperators.ASHR, 4).and(0x0f).or(h.lanewise(VectorOperators.ASHR, 2).and(0x30)).sub(32);
                        acc0 = ((FloatVector) q1.convert(VectorOperators.I2F, 0)).mul(d * seg.get(Le.BYTE, sc + is)).fma(FloatVector.fromArray(F, x, y + l), acc0);
                        acc1 = ((FloatVector) q2.convert(VectorOperators.I2F, 0)).mul(d * seg.get(Le.BYTE, sc + is + 2)).fma(FloatVector.fromArray(F, x, y + 32 + l), acc1);
                        acc2 = ((FloatVector) q3.convert(VectorOperators.I2F, 0)).mul(d * seg.get(Le.BYTE, sc + is + 4)).fma(FloatVector.fromArray(F, x, y + 64 + l), acc2);
                        acc3 = ((FloatVector) q4.convert(VectorOperators.I2F, 0)).mul(d * seg.get(Le.BYTE, sc + is + 6)).fma(FloatVector.fromArray(F, x, y + 96 + l), acc3);
                    }
                }
            }
            out[outOffset + row - start] = Simd.sum(acc0.add(acc1).add(acc2.add(acc3)));
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
                float d = Float.float16ToFloat(seg.get(Le.SHORT, o + 208));
                for (int half = 0; half < 2; half++) {
                    long ql = o + 64L * half;
                    long qh = o + 128 + 32L * half;
                    long sc = o + 192 + 8L * half;
                    int y = rowOut + b * BLOCK + 128 * half;
                    for (int l = 0; l < 32; l += L) {
                        int is = l / 16;
                        IntVector la = ((IntVector) ByteVector.fromMemorySegment(B, seg, ql + l, Le.ORDER).convertShape(VectorOperators.B2I, I, 0));
                        IntVector lb = ((IntVector) ByteVector.fromMemorySegment(B, seg, ql + 32 + l, Le.ORDER).convertShape(VectorOperators.B2I, I, 0));
                        IntVector h = ((IntVector) ByteVector.fromMemorySegment(B, seg, qh + l, Le.ORDER).convertShape(VectorOperators.B2I, I, 0));
                        IntVector q1 = la.and(0x0f).or(h.lanewise(VectorOperators.LSHL, 4).and(0x30)).sub(32);
                        IntVector q2 = lb.and(0x0f).or(h.lanewise(VectorOperators.LSHL, 2).and(0x30)).sub(32);
                        IntVector q3 = la.lanewise(VectorOperators.ASHR, 4).and(0x0f).or(h.and(0x30)).sub(32);
                        IntVector q4 = lb.lanewise(VectorOperators.ASHR, 4).and(0x0f).or(h.lanewise(VectorOperators.ASHR, 2).and(0x30)).sub(32);
                        ((FloatVector) q1.convert(VectorOperators.I2F, 0)).mul(d * seg.get(Le.BYTE, sc + is)).intoArray(out, y + l);
                        ((FloatVector) q2.convert(VectorOperators.I2F, 0)).mul(d * seg.get(Le.BYTE, sc + is + 2)).intoArray(out, y + 32 + l);
                        ((FloatVector) q3.convert(VectorOperators.I2F, 0)).mul(d * seg.get(Le.BYTE, sc + is + 4)).intoArray(out, y + 64 + l);
                        ((FloatVector) q4.convert(VectorOperators.I2F, 0)).mul(d * seg.get(Le.BYTE, sc + is + 6)).intoArray(out, y + 96 + l);
                    }
                }
            }
        }
    }
}
