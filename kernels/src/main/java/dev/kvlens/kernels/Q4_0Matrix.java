package dev.kvlens.kernels;

import static dev.kvlens.kernels.Simd.B;
import static dev.kvlens.kernels.Simd.F;
import static dev.kvlens.kernels.Simd.I;
import static dev.kvlens.kernels.Simd.L;
import static dev.kvlens.kernels.Q8Activations.GROUP;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 blocks of 32: f16 scale d, then 16 bytes whose low nibbles are elements 0..15 and high
 * nibbles elements 16..31; value = (q - 8) * d.
 *
 * <p>Products take x rounded to 8 bits per block of 32, as llama.cpp's Q4_0 x Q8_0 kernels do
 * ({@link Q8Activations}; {@link ScalarReference#q4_0Q8Dot} is the plain definition), so each block's
 * dot runs in 16-bit integers: a vector of {@code 2L} shorts holds {@code L / 8} blocks' bytes, each
 * multiplied by x twice (whole byte and high nibble, against x's first half and a folded second half),
 * then pairs of 16-bit sums are added into int lanes and converted to floats once, scaled by both
 * blocks' d. In cache this is 1.4-1.5x the float kernel it replaced (1 thread, 256 x 1536: 35-39
 * against 25 GMAC/s), which had to widen every nibble to a float.
 *
 * <p>The kernels read a copy split in two, made off-heap on first use (llama.cpp repacks Q4_0 for its
 * CPU kernels too): each row's 16-byte nibble runs one after another, and the scales as floats in a
 * region of their own. In GGUF's 18-byte blocks the compiled loop spent more instructions on
 * addressing, bounds checks and scale conversions than on arithmetic. The copy is as large as the
 * tensor (the mapped GGUF pages it was read from are then only page cache) and is freed by
 * {@link #release}, which closing a model calls.
 */
final class Q4_0Matrix extends AbstractWeightMatrix {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;
    private static final int NIBBLE_BYTES = 16;
    /** A group's nibble bytes ({@code 2L}) and, widened, its shorts: one vector as wide as {@link Simd#F}. */
    private static final VectorSpecies<Byte> B2 = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Short> S2 = VectorSpecies.of(short.class, F.vectorShape());
    /** Int lane {@code j} of a group holds part of block {@code j / 8}: it takes that block's scale. */
    private static final VectorShuffle<Float> BLOCK_OF_LANE = VectorShuffle.fromOp(F, lane -> lane / 8);

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

    /** x rounded to 8 bits per block, as llama.cpp multiplies Q4_0 weights (see {@link Q8Activations}). */
    @Override
    Q8Activations prepareInput(float[] x, int xOffset) {
        return Q8Activations.of(x, xOffset, cols);
    }

    /** Rounded prompts, one per calling thread, grown as needed: fresh arrays this large cost page faults. */
    private static final ThreadLocal<float[]> ROUNDED = new ThreadLocal<>();

    /**
     * Products of x rounded as in {@link #prepareInput}, so that a prompt's tokens get the bits (up to
     * float rounding) of decoding them one at a time.
     */
    @Override
    public void matmul(float[] x, int n, float[] out) {
        if (n <= 1 || (long) n * cols > x.length) {
            super.matmul(x, n, out);
            return;
        }
        float[] rounded = ROUNDED.get();
        if (rounded == null || rounded.length < n * cols) {
            rounded = new float[n * cols];
            ROUNDED.set(rounded);
        }
        round(x, n, rounded);
        super.matmul(rounded, n, out);
    }

    @Override
    public float[] roundedInput(float[] x, int n) {
        float[] rounded = new float[Math.multiplyExact(n, cols)];
        round(x, n, rounded);
        return rounded;
    }

    private void round(float[] x, int n, float[] out) {
        Parallel.forRange(n, (from, to) -> {
            for (int t = from; t < to; t++) {
                Q8Activations.roundTrip(x, t * cols, cols, out, t * cols);
            }
        });
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
        // padded by a vector: the kernel loads a whole vector of scales to spread a group's few over its lanes
        MemorySegment scales = arena.allocate((count + L) * Float.BYTES, 64);
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
    void dotRows(int start, int end, float[] x, int xOffset, Object prepared, float[] out, int outOffset) {
        Q8Activations a = (Q8Activations) prepared;
        short[] xq = a.q();
        float[] laneScale = a.laneScale();
        float[] laneOffset = a.laneOffset();
        Repacked r = repacked();
        MemorySegment nib = r.nibbles;
        MemorySegment sc = r.scales;
        int groups = blocks / GROUP;
        long rowNibbles = (long) blocks * NIBBLE_BYTES;
        long rowScales = (long) blocks * Float.BYTES;
        boolean leftover = groups * GROUP != blocks;
        float[] lanes = new float[2 * L];
        // Two rows at a time, half a range apart (as in Q8_0Matrix): each x load feeds both rows, and
        // two streams in different pages keep more memory requests in flight. An odd last row is
        // computed twice (as both rows) so that there is one loop, whose code gives every row its bits.
        int half = (end - start + 1) / 2;
        for (int i = 0; i < half; i++) {
            int rowA = start + i;
            int rowB = Math.min(rowA + half, end - 1);
            long na = rowA * rowNibbles;
            long nb = rowB * rowNibbles;
            long sa = rowA * rowScales;
            long sb = rowB * rowScales;
            FloatVector accA = FloatVector.zero(F);
            FloatVector accB = FloatVector.zero(F);
            for (int g = 0; g < groups; g++) {
                ShortVector xLow = ShortVector.fromArray(S2, xq, g * 2 * S2.length());
                ShortVector xFold = ShortVector.fromArray(S2, xq, g * 2 * S2.length() + S2.length());
                FloatVector dx = FloatVector.fromArray(F, laneScale, g * L);
                FloatVector off = FloatVector.fromArray(F, laneOffset, g * L);
                ShortVector qa = (ShortVector) ByteVector.fromMemorySegment(B2, nib, na, Le.ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S2, 0);
                ShortVector qb = (ShortVector) ByteVector.fromMemorySegment(B2, nib, nb, Le.ORDER)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S2, 0);
                // whole byte * low half + high nibble * folded half = low * x[j] + high * x[16 + j]
                IntVector pa = qa.mul(xLow).add(qa.lanewise(VectorOperators.LSHR, 4).mul(xFold)).reinterpretAsInts();
                IntVector pb = qb.mul(xLow).add(qb.lanewise(VectorOperators.LSHR, 4).mul(xFold)).reinterpretAsInts();
                // each int lane's two 16-bit sums added in its top half (they fit), then shifted down
                pa = pa.add(pa.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                pb = pb.add(pb.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16);
                FloatVector wa = FloatVector.fromMemorySegment(F, sc, sa, Le.ORDER).rearrange(BLOCK_OF_LANE);
                FloatVector wb = FloatVector.fromMemorySegment(F, sc, sb, Le.ORDER).rearrange(BLOCK_OF_LANE);
                accA = ((FloatVector) pa.convert(VectorOperators.I2F, 0)).fma(dx, off).fma(wa, accA);
                accB = ((FloatVector) pb.convert(VectorOperators.I2F, 0)).fma(dx, off).fma(wb, accB);
                na += GROUP * NIBBLE_BYTES;
                nb += GROUP * NIBBLE_BYTES;
                sa += GROUP * Float.BYTES;
                sb += GROUP * Float.BYTES;
            }
            accA.intoArray(lanes, 0);
            accB.intoArray(lanes, L);
            float sumA = Simd.sumLanes(lanes, 0);
            float sumB = Simd.sumLanes(lanes, L);
            out[outOffset + rowA - start] = leftover ? sumA + tail(a, nib, na, sc, sa, groups) : sumA;
            out[outOffset + rowB - start] = leftover ? sumB + tail(a, nib, nb, sc, sb, groups) : sumB;
        }
    }

    /** The last block of a row whose blocks do not fill whole groups. */
    private float tail(Q8Activations a, MemorySegment nib, long n, MemorySegment sc, long s, int groups) {
        int b = groups * GROUP;
        int dot = 0;
        for (int j = 0; j < NIBBLE_BYTES; j++) {
            int q = nib.get(Le.BYTE, n + j) & 0xff;
            dot += (q & 0x0f) * a.q()[b * BLOCK + j] + (q >> 4) * a.q()[b * BLOCK + 16 + j];
        }
        return sc.get(Le.FLOAT, s) * a.blockScale()[b] * (dot - 8 * a.blockSum()[b]);
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
