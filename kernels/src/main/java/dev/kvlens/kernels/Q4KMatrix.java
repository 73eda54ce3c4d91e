package dev.kvlens.kernels;

import static dev.kvlens.kernels.Simd.B;
import static dev.kvlens.kernels.Simd.F;
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

    @Override
    public float dotRow(int row, float[] x, int xOffset) {
        long base = rowOffset(row);
        MemorySegment seg = data;
        int blocks = cols / BLOCK;
        FloatVector acc = FloatVector.zero(F);
        FloatVector accMin = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(seg.get(Le.SHORT, o));
            float dmin = Float.float16ToFloat(seg.get(Le.SHORT, o + 2));
            int xb = xOffset + b * BLOCK;
            for (int j = 0; j < 4; j++) {
                long q = o + 16 + 32L * j;
                int x1 = xb + 64 * j;
                FloatVector p1 = FloatVector.zero(F);
                FloatVector p2 = FloatVector.zero(F);
                FloatVector s1 = FloatVector.zero(F);
                FloatVector s2 = FloatVector.zero(F);
                for (int k = 0; k < 32; k += L) {
                    IntVector v = Simd.bytesToInts(ByteVector.fromMemorySegment(B, seg, q + k, Le.ORDER));
                    FloatVector xa = FloatVector.fromArray(F, x, x1 + k);
                    FloatVector xc = FloatVector.fromArray(F, x, x1 + 32 + k);
                    p1 = Simd.toFloats(v.and(0x0f)).fma(xa, p1);
                    p2 = Simd.toFloats(v.lanewise(VectorOperators.ASHR, 4).and(0x0f)).fma(xc, p2);
                    s1 = s1.add(xa);
                    s2 = s2.add(xc);
                }
                acc = p1.fma(FloatVector.broadcast(F, d * KScales.scale(seg, o + 4, 2 * j)), acc);
                acc = p2.fma(FloatVector.broadcast(F, d * KScales.scale(seg, o + 4, 2 * j + 1)), acc);
                accMin = s1.fma(FloatVector.broadcast(F, dmin * KScales.min(seg, o + 4, 2 * j)), accMin);
                accMin = s2.fma(FloatVector.broadcast(F, dmin * KScales.min(seg, o + 4, 2 * j + 1)), accMin);
            }
        }
        return acc.sub(accMin).reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long base = rowOffset(row);
        MemorySegment seg = data;
        int blocks = cols / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(seg.get(Le.SHORT, o));
            float dmin = Float.float16ToFloat(seg.get(Le.SHORT, o + 2));
            int y = offset + b * BLOCK;
            for (int j = 0; j < 4; j++) {
                long q = o + 16 + 32L * j;
                float d1 = d * KScales.scale(seg, o + 4, 2 * j);
                float m1 = dmin * KScales.min(seg, o + 4, 2 * j);
                float d2 = d * KScales.scale(seg, o + 4, 2 * j + 1);
                float m2 = dmin * KScales.min(seg, o + 4, 2 * j + 1);
                for (int k = 0; k < 32; k += L) {
                    IntVector v = Simd.bytesToInts(ByteVector.fromMemorySegment(B, seg, q + k, Le.ORDER));
                    Simd.toFloats(v.and(0x0f)).mul(d1).sub(m1).intoArray(out, y + 64 * j + k);
                    Simd.toFloats(v.lanewise(VectorOperators.ASHR, 4).and(0x0f)).mul(d2).sub(m2)
                            .intoArray(out, y + 64 * j + 32 + k);
                }
            }
        }
    }
}
