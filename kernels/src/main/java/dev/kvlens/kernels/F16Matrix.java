package dev.kvlens.kernels;

import static dev.kvlens.kernels.Simd.F;
import static dev.kvlens.kernels.Simd.L;
import static dev.kvlens.kernels.Simd.S;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** IEEE half floats, widened lane-wise with {@link Simd#halfToFloats}. */
final class F16Matrix extends AbstractWeightMatrix {

    F16Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.F16, data, rows, cols);
    }

    @Override
    void dotRows(int start, int end, float[] x, int xOffset, Object prepared, float[] out, int outOffset) {
        for (int row = start; row < end; row++) {
            long base = rowOffset(row);
            MemorySegment seg = data;
            int n = cols;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            int i = 0;
            for (int bound = n - 2 * L; i <= bound; i += 2 * L) {
                long o = base + 2L * i;
                FloatVector w0 = Simd.halfToFloats(ShortVector.fromMemorySegment(S, seg, o, Le.ORDER));
                FloatVector w1 = Simd.halfToFloats(ShortVector.fromMemorySegment(S, seg, o + 2L * L, Le.ORDER));
                acc0 = w0.fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
                acc1 = w1.fma(FloatVector.fromArray(F, x, xOffset + i + L), acc1);
            }
            float sum = Simd.sum(acc0.add(acc1));
            for (; i < n; i++) {
                sum += Float.float16ToFloat(seg.get(Le.SHORT, base + 2L * i)) * x[xOffset + i];
            }
            out[outOffset + row - start] = sum;
        }
    }

    @Override
    void dequantizeRows(int start, int end, float[] out, int offset) {
        for (int row = start; row < end; row++) {
            int rowOut = offset + (row - start) * cols;
            long base = rowOffset(row);
            MemorySegment seg = data;
            int n = cols;
            int i = 0;
            for (int bound = n - L; i <= bound; i += L) {
                Simd.halfToFloats(ShortVector.fromMemorySegment(S, seg, base + 2L * i, Le.ORDER)).intoArray(out, rowOut + i);
            }
            for (; i < n; i++) {
                out[rowOut + i] = Float.float16ToFloat(seg.get(Le.SHORT, base + 2L * i));
            }
        }
    }
}
