package dev.kvlens.kernels;

import static dev.kvlens.kernels.Simd.B;
import static dev.kvlens.kernels.Simd.F;
import static dev.kvlens.kernels.Simd.I;
import static dev.kvlens.kernels.Simd.L;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0 blocks of 32: f16 scale d, then 16 bytes whose low nibbles are elements 0..15 and high
 * nibbles elements 16..31; value = (q - 8) * d.
 *
 * <p>The kernels read a copy split in two, made off-heap on first use (llama.cpp repacks Q4_0 for its
 * CPU kernels too): each row's 16-byte nibble runs one after another, and the scales as floats in a
 * region of their own. In GGUF's 18-byte blocks the compiled loop spent more instructions on
 * addressing, bounds checks and scale conversions than on arithmetic. Bytes are widened to ints
 * once and both nibbles split there (x86 has no byte shifts), then converted to floats; each block's
 * partial dot is scaled once by d, and the -8 offset is {@code -8 * d * sum(x in block)}. The copy
 * is as large as the tensor (the mapped GGUF pages it was read from are then only page cache) and is
 * freed by {@link #release}, which closing a model calls.
 */
final class Q4_0Matrix extends AbstractWeightMatrix {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;
    private static final int NIBBLE_BYTES = 16;

    /** Closes the copies' arenas of matrices the garbage collector found unreachable (never released). */
    private static final Cleaner CLEANER = Cleaner.create();

    private final int blocks;
    private volatile Repacked repacked;
    private Memory memory;

    /** Nibbles, {@code blocks * 16} bytes a row, and scales, {@code blocks} floats a row. */
    private record Repacked(MemorySegment nibbles, MemorySegment scales) {
    }

    /** The copy's arena, closed once: by {@link #release} or, failing that, by the cleaner. */
    private static final class Memory implements Runnable {
        final Arena arena = Arena.ofShared();
        private final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public void run() {
            if (closed.compareAndSet(false, true)) {
                arena.close();
            }
        }
    }

    Q4_0Matrix(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_0, data, rows, cols);
        this.blocks = cols / BLOCK;
    }

    /** Block sums of x: the -8 offset becomes {@code -8 * d * sum(x)} per block. */
    @Override
    float[] prepareInput(float[] x, int xOffset) {
        return groupSums(x, xOffset, BLOCK);
    }

    private Repacked repacked() {
        Repacked r = repacked;
        if (r == null) {
            synchronized (this) {
                r = repacked;
                if (r == null) {
                    r = repack();
                    repacked = r;
                }
            }
        }
        return r;
    }

    @Override
    public synchronized void release() {
        if (memory != null) {
            memory.run();
        }
    }

    /** The split copy, in an arena of its own (called under this matrix's lock). */
    private Repacked repack() {
        memory = new Memory();
        CLEANER.register(this, memory);
        Arena arena = memory.arena;
        long count = (long) rows * blocks;
        MemorySegment nibbles = arena.allocate(Math.max(1, count * NIBBLE_BYTES), 64);
        MemorySegment scales = arena.allocate(Math.max(1, count * Float.BYTES), 64);
        // A row at a time through heap buffers, bulk copies in and out. Most of the time goes to the
        // page faults of the fresh memory (zero-filled by allocate): ~3 ms per MB on the 2-core VM.
        byte[] src = new byte[Math.toIntExact(rowBytes)];
        byte[] nib = new byte[blocks * NIBBLE_BYTES];
        float[] sc = new float[blocks];
        for (int row = 0; row < rows; row++) {
            MemorySegment.copy(data, Le.BYTE, rowOffset(row), src, 0, src.length);
            for (int b = 0; b < blocks; b++) {
                int o = b * BLOCK_BYTES;
                sc[b] = Float.float16ToFloat((short) ((src[o] & 0xff) | (src[o + 1] << 8)));
                System.arraycopy(src, o + 2, nib, b * NIBBLE_BYTES, NIBBLE_BYTES);
            }
            MemorySegment.copy(nib, 0, nibbles, Le.BYTE, (long) row * nib.length, nib.length);
            MemorySegment.copy(sc, 0, scales, Le.FLOAT, (long) row * blocks * Float.BYTES, blocks);
        }
        return new Repacked(nibbles, scales);
    }

    @Override
    void dotRows(int start, int end, float[] x, int xOffset, float[] prepared, float[] out, int outOffset) {
        float[] xSums = prepared;
        Repacked r = repacked();
        MemorySegment nib = r.nibbles;
        MemorySegment sc = r.scales;
        int half = (end - start) / 2;
        // Two rows at a time, half a range apart (as in Q8_0Matrix): each x load and block sum feeds
        // both rows, and two streams in different pages keep more memory requests in flight.
        for (int i = 0; i < half; i++) {
            int rowA = start + i;
            int rowB = rowA + half;
            long na = (long) rowA * blocks * NIBBLE_BYTES;
            long nb = (long) rowB * blocks * NIBBLE_BYTES;
            long sa = (long) rowA * blocks * Float.BYTES;
            long sb = (long) rowB * blocks * Float.BYTES;
            FloatVector accA = FloatVector.zero(F);
            FloatVector accB = FloatVector.zero(F);
            float offsetA = 0; // sum_b d_b * sum(x in block b): the -8 offset, applied once
            float offsetB = 0;
            for (int b = 0; b < blocks; b++) {
                int xo = xOffset + b * BLOCK;
                float da = sc.get(Le.FLOAT, sa);
                float db = sc.get(Le.FLOAT, sb);
                FloatVector pa = FloatVector.zero(F);
                FloatVector pb = FloatVector.zero(F);
                for (int k = 0; k < 16; k += L) {
                    FloatVector xLow = FloatVector.fromArray(F, x, xo + k);
                    FloatVector xHigh = FloatVector.fromArray(F, x, xo + 16 + k);
                    IntVector qa = (IntVector) ByteVector.fromMemorySegment(B, nib, na + k, Le.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector qb = (IntVector) ByteVector.fromMemorySegment(B, nib, nb + k, Le.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    pa = ((FloatVector) qa.and(0x0f).convert(VectorOperators.I2F, 0)).fma(xLow, pa);
                    pa = ((FloatVector) qa.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xHigh, pa);
                    pb = ((FloatVector) qb.and(0x0f).convert(VectorOperators.I2F, 0)).fma(xLow, pb);
                    pb = ((FloatVector) qb.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xHigh, pb);
                }
                accA = pa.fma(FloatVector.broadcast(F, da), accA);
                accB = pb.fma(FloatVector.broadcast(F, db), accB);
                float xs = xSums[b];
                offsetA += da * xs;
                offsetB += db * xs;
                na += NIBBLE_BYTES;
                nb += NIBBLE_BYTES;
                sa += Float.BYTES;
                sb += Float.BYTES;
            }
            out[outOffset + rowA - start] = Simd.sum(accA) - 8 * offsetA;
            out[outOffset + rowB - start] = Simd.sum(accB) - 8 * offsetB;
        }
        for (int row = start + 2 * half; row < end; row++) {
            long n = (long) row * blocks * NIBBLE_BYTES;
            long s = (long) row * blocks * Float.BYTES;
            FloatVector acc = FloatVector.zero(F);
            float offset = 0;
            for (int b = 0; b < blocks; b++) {
                int xo = xOffset + b * BLOCK;
                float d = sc.get(Le.FLOAT, s);
                FloatVector p = FloatVector.zero(F);
                for (int k = 0; k < 16; k += L) {
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(B, nib, n + k, Le.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    p = ((FloatVector) q.and(0x0f).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xo + k), p);
                    p = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F, x, xo + 16 + k), p);
                }
                acc = p.fma(FloatVector.broadcast(F, d), acc);
                offset += d * xSums[b];
                n += NIBBLE_BYTES;
                s += Float.BYTES;
            }
            out[outOffset + row - start] = Simd.sum(acc) - 8 * offset;
        }
    }

    @Override
    void dequantizeRows(int start, int end, float[] out, int offset) {
        Repacked r = repacked();
        MemorySegment nib = r.nibbles;
        MemorySegment sc = r.scales;
        for (int row = start; row < end; row++) {
            int y = offset + (row - start) * cols;
            long n = (long) row * blocks * NIBBLE_BYTES;
            long s = (long) row * blocks * Float.BYTES;
            for (int b = 0; b < blocks; b++) {
                FloatVector d = FloatVector.broadcast(F, sc.get(Le.FLOAT, s));
                for (int k = 0; k < 16; k += L) {
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(B, nib, n + k, Le.ORDER)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    ((FloatVector) q.and(0x0f).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(out, y + k);
                    ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).mul(d)
                            .intoArray(out, y + 16 + k);
                }
                n += NIBBLE_BYTES;
                s += Float.BYTES;
                y += BLOCK;
            }
        }
    }
}
