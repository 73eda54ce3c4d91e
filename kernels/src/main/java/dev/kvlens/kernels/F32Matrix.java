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
    void dotRows(int start, int end, float[] x, int xOffset, Object prepared, float[] out, int outOffset) {
        MemorySegment seg = data;
        int n = cols;
        int quarter = (end - start) / 4;
        // Four rows a quarter of the range apart at once: four streams in different pages keep more
        // memory requests in flight than one (whole-model decode step, one thread, CPU time: 41 ms
        // one row at a time, 38 ms like this), and each x load feeds four rows. Per row the
        // arithmetic is the single-row loop's below (even vectors into one accumulator, odd into
        // another), so results do not depend on grouping.
        for (int j = 0; j < quarter; j++) {
            int r0 = start + j;
            int r1 = r0 + quarter;
            int r2 = r1 + quarter;
            int r3 = r2 + quarter;
            long b0 = rowOffset(r0);
            long b1 = rowOffset(r1);
            long b2 = rowOffset(r2);
            long b3 = rowOffset(r3);
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F), c2 = FloatVector.zero(F), c3 = FloatVector.zero(F);
            int i = 0;
            for (int bound = n - 2 * L; i <= bound; i += 2 * L) {
                long o = 4L * i;
                FloatVector x0 = FloatVector.fromArray(F, x, xOffset + i);
                FloatVector x1 = FloatVector.fromArray(F, x, xOffset + i + L);
                a0 = FloatVector.fromMemorySegment(F, seg, b0 + o, Le.ORDER).fma(x0, a0);
                a1 = FloatVector.fromMemorySegment(F, seg, b1 + o, Le.ORDER).fma(x0, a1);
                a2 = FloatVector.fromMemorySegment(F, seg, b2 + o, Le.ORDER).fma(x0, a2);
                a3 = FloatVector.fromMemorySegment(F, seg, b3 + o, Le.ORDER).fma(x0, a3);
                c0 = FloatVector.fromMemorySegment(F, seg, b0 + o + 4L * L, Le.ORDER).fma(x1, c0);
                c1 = FloatVector.fromMemorySegment(F, seg, b1 + o + 4L * L, Le.ORDER).fma(x1, c1);
                c2 = FloatVector.fromMemorySegment(F, seg, b2 + o + 4L * L, Le.ORDER).fma(x1, c2);
                c3 = FloatVector.fromMemorySegment(F, seg, b3 + o + 4L * L, Le.ORDER).fma(x1, c3);
            }
            if (i <= n - L) {
                long o = 4L * i;
                FloatVector x0 = FloatVector.fromArray(F, x, xOffset + i);
                a0 = FloatVector.fromMemorySegment(F, seg, b0 + o, Le.ORDER).fma(x0, a0);
                a1 = FloatVector.fromMemorySegment(F, seg, b1 + o, Le.ORDER).fma(x0, a1);
                a2 = FloatVector.fromMemorySegment(F, seg, b2 + o, Le.ORDER).fma(x0, a2);
                a3 = FloatVector.fromMemorySegment(F, seg, b3 + o, Le.ORDER).fma(x0, a3);
                i += L;
            }
            float s0 = Simd.sum(a0.add(c0));
            float s1 = Simd.sum(a1.add(c1));
            float s2 = Simd.sum(a2.add(c2));
            float s3 = Simd.sum(a3.add(c3));
            for (int t = i; t < n; t++) {
                float xt = x[xOffset + t];
                s0 += seg.get(Le.FLOAT, b0 + 4L * t) * xt;
                s1 += seg.get(Le.FLOAT, b1 + 4L * t) * xt;
                s2 += seg.get(Le.FLOAT, b2 + 4L * t) * xt;
                s3 += seg.get(Le.FLOAT, b3 + 4L * t) * xt;
            }
            out[outOffset + r0 - start] = s0;
            out[outOffset + r1 - start] = s1;
            out[outOffset + r2 - start] = s2;
            out[outOffset + r3 - start] = s3;
        }
        for (int row = start + 4 * quarter; row < end; row++) {
            long base = rowOffset(row);
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            int i = 0;
            for (int bound = n - 2 * L; i <= bound; i += 2 * L) {
                long o = base + 4L * i;
                acc0 = FloatVector.fromMemorySegment(F, seg, o, Le.ORDER).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
                acc1 = FloatVector.fromMemorySegment(F, seg, o + 4L * L, Le.ORDER).fma(FloatVector.fromArray(F, x, xOffset + i + L), acc1);
            }
            if (i <= n - L) {
                acc0 = FloatVector.fromMemorySegment(F, seg, base + 4L * i, Le.ORDER).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
                i += L;
            }
            float sum = Simd.sum(acc0.add(acc1));
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
