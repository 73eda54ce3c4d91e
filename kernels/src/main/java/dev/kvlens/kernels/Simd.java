package dev.kvlens.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shapes the weight kernels use: {@code L} floats per vector and byte, short and int
 * species with the same lane count, so that {@code L} packed values widen to one float vector.
 * {@code L} is 16 with AVX-512, 8 with AVX2; on narrower hardware 256-bit vectors are used anyway
 * (correct, only slower) because the quantised blocks need at least 8 byte lanes.
 *
 * <p>The quant kernels write their byte-to-float conversions out in place rather than through
 * helpers here: in a large kernel C2 may stop inlining small helpers (NodeCountInliningCutoff),
 * and a vector passed to a call that is not inlined becomes a heap object.
 */
final class Simd {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() >= 8
            ? (FloatVector.SPECIES_PREFERRED.length() > 16 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED)
            : FloatVector.SPECIES_256;
    static final int L = F.length();
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

    private Simd() {
    }

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float EXP_MIN = -87.3365447505531f;
    private static final float EXP_MAX = 88.3762626647949f;

    /**
     * e^x lane by lane, Cephes' single-precision method (range reduction by ln 2, degree-5
     * polynomial, scaling by 2^n through the exponent bits), about 2 ulp. Written with lanewise
     * arithmetic only, so it gives the same bits interpreted or compiled; the Vector API's EXP
     * operator may use a native library in compiled code and Java's Math.exp otherwise.
     */
    static FloatVector exp(FloatVector x) {
        x = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector fx = x.mul(LOG2E).add(0.5f);
        IntVector truncated = (IntVector) fx.convert(VectorOperators.F2I, 0);
        FloatVector t = (FloatVector) truncated.convert(VectorOperators.I2F, 0);
        VectorMask<Float> tooBig = t.compare(VectorOperators.GT, fx);
        FloatVector n = t.sub(FloatVector.broadcast(x.species(), 1f), tooBig); // floor(fx)
        FloatVector r = x.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
        FloatVector p = FloatVector.broadcast(x.species(), 1.9875691500e-4f);
        p = p.fma(r, FloatVector.broadcast(x.species(), 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(x.species(), 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(x.species(), 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(x.species(), 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(x.species(), 5.0000001201e-1f));
        FloatVector y = p.mul(r).mul(r).add(r).add(1f);
        IntVector exponent = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return y.mul(exponent.reinterpretAsFloats());
    }

    /**
     * The sum of the lanes, always added in the same order. {@code reduceLanes(ADD)} leaves the
     * order to the implementation, and the interpreter and the JIT-compiled code do differ: the
     * same inputs gave different last bits before and after warm-up, which broke KV Lens's
     * determinism (same inputs, same events). Pairwise halving with lanewise adds is exact per
     * lane, so it gives one answer wherever it runs. The halves are taken by reinterpreting the
     * vector as two narrower ones rather than by a rearrange with a shuffle read from an array:
     * C2 did not intrinsify that rearrange in every caller (attention's per-entry dot fell back
     * to the Java implementation of rearrange, about 5% of decode time).
     */
    static float sum(FloatVector v) {
        if (v.species() != F) {
            float[] lanes = v.toArray();
            float total = 0;
            for (float x : lanes) {
                total += x;
            }
            return total;
        }
        if (L == 16) {
            v = ((FloatVector) v.reinterpretShape(FloatVector.SPECIES_256, 0))
                    .add((FloatVector) v.reinterpretShape(FloatVector.SPECIES_256, 1));
        }
        FloatVector h = ((FloatVector) v.reinterpretShape(FloatVector.SPECIES_128, 0))
                .add((FloatVector) v.reinterpretShape(FloatVector.SPECIES_128, 1));
        return (h.lane(0) + h.lane(2)) + (h.lane(1) + h.lane(3));
    }

    /**
     * {@link #sum}'s result for a vector stored at {@code lanes[offset ..]}, added in the same order.
     * The weight kernels reduce their accumulators this way: too large to inline into a kernel,
     * {@code sum} would be a call, and C2 boxes a vector passed to a call it does not inline (an
     * object and a payload array per row, which cost the Q4_0 kernel a third of its speed), and
     * compiles the call's vector code without intrinsics.
     */
    static float sumLanes(float[] lanes, int offset) {
        int o = offset;
        if (L == 16) {
            float h0 = lanes[o] + lanes[o + 8];
            float h1 = lanes[o + 1] + lanes[o + 9];
            float h2 = lanes[o + 2] + lanes[o + 10];
            float h3 = lanes[o + 3] + lanes[o + 11];
            float h4 = lanes[o + 4] + lanes[o + 12];
            float h5 = lanes[o + 5] + lanes[o + 13];
            float h6 = lanes[o + 6] + lanes[o + 14];
            float h7 = lanes[o + 7] + lanes[o + 15];
            return ((h0 + h4) + (h2 + h6)) + ((h1 + h5) + (h3 + h7));
        }
        return ((lanes[o] + lanes[o + 4]) + (lanes[o + 2] + lanes[o + 6]))
                + ((lanes[o + 1] + lanes[o + 5]) + (lanes[o + 3] + lanes[o + 7]));
    }

    /**
     * {@code L} IEEE half floats to floats, exactly (subnormals, infinities and NaNs included): the
     * exponent and mantissa bits move into float position and a multiply by 2^112 rebiases them.
     */
    static FloatVector halfToFloats(ShortVector h) {
        IntVector i = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
        IntVector sign = i.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector em = i.and(0x7fff);
        IntVector shifted = em.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> special = em.compare(VectorOperators.GE, 0x7c00);
        IntVector bits = finite.blend(shifted.or(0x7f800000), special);
        return bits.or(sign).reinterpretAsFloats();
    }

    /** {@code L} bfloat16 values to floats (they are the top half of a float's bits). */
    static FloatVector bf16ToFloats(ShortVector h) {
        IntVector i = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}
