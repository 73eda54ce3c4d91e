package dev.kvlens.kernels;

import static dev.kvlens.kernels.Simd.F;
import static dev.kvlens.kernels.Simd.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Plain little-endian floats; matvec is bound by memory bandwidth, so four accumulators suffice. */
final class F32Matrix extends AbstractWeightMatrix {

    F32Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.F32, data, rows, cols);
    }

    @Override
    void dotRows(int start, int end, float[] x, int xOffset, float[] prepared, float[] out, int outOffset) {
        for (int row = start; row < end; row++) {
            long base = rowOffset(row);
            MemorySegment seg = data;
            int n = cols;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            FloatVector acc2 = FloatVector.zero(F);
            FloatVector acc3 = FloatVector.zero(F);
            int i = 0;
            for (int bound = n - 4 * L; i <= bound; i += 4 * L) {
                long o = base + 4L * i;
                acc0 = FloatVector.fromMemorySegment(F, seg, o, Le.ORDER).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
                acc1 = FloatVector.fromMemorySegment(F, seg, o + 4L * L, Le.ORDER).fma(FloatVector.fromArray(F, x, xOffset + i + L), acc1);
                acc2 = FloatVector.fromMemorySegment(F, seg, o + 8L * L, Le.ORDER).fma(FloatVector.fromArray(F, x, xOffset + i + 2 * L), acc2);
                acc3 = FloatVector.fromMemorySegment(F, seg, o + 12L * L, Le.ORDER).fma(FloatVector.fromArray(F, x, xOffset + i + 3 * L), acc3);
            }
            for (int bound = n - L; i <= bound; i += L) {
                acc0 = FloatVector.fromMemorySegment(F, seg, base + 4L * i, Le.ORDER).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
            }
            float sum = Simd.sum(acc0.add(acc1).add(acc2.add(acc3)));
            for (; i < n; i++) {
                sum += seg.get(Le.FLOAT, base + 4L * i) * x[xOffset + i];
            }
            out[outOffset + row - start] = sum;
        }
    }

    @Override
    void dequantizeRows(int start, int end, float[] out, int offset) {
        for (int row = start; row < end; row++) {
            int rowOut = offset + (row - start) * cols;
            MemorySegment.copy(data, Le.FLOAT, rowOffset(row), out, rowOut, cols);
        }
    }
}
