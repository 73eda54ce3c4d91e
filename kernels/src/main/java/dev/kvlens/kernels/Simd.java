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
