package dev.kvlens.kernels;

import static dev.kvlens.kernels.Simd.F;
import static dev.kvlens.kernels.Simd.I;
import static dev.kvlens.kernels.Simd.L;
import static dev.kvlens.kernels.Simd.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * An input vector rounded to 8 bits per block of 32, as llama.cpp rounds the activations it
 * multiplies by Q4_0 weights (its x86 {@code quantize_row_q8_0}): per block {@code d = amax / 127}
 * kept as f16, {@code q = rint(x * 127 / amax)}, so each value becomes {@code q * d}. Q4_0 products
 * then run in 16-bit integers, which is where its kernel's speed comes from, and give what
 * llama.cpp gives.
 *
 * <p>The integers are laid out for {@link Q4_0Matrix}'s kernel, a group of {@link #GROUP} blocks per
 * vector: first each block's values 0..15, then its values 16..31 folded with the first half as
 * {@code q[16 + j] - 16 * q[j]} (the kernel multiplies whole bytes, low nibble plus 16 times the high
 * one, by the first half, and the high nibble by this). A last block that does not fill a group is
 * kept plain. {@code laneScale} and {@code laneOffset} hold, for each of a group's int lanes (8 per
 * block), the block's {@code d} and {@code -d * sum(q)}: the Q4_0 offset of -8 spread over 8 lanes.
 */
record Q8Activations(short[] q, float[] laneScale, float[] laneOffset, float[] blockScale, int[] blockSum) {

    static final int BLOCK = 32;
    /** Blocks per kernel vector: a vector of {@code 2L} shorts holds {@code L / 8} blocks' halves. */
    static final int GROUP = L / 8;
    /** 1.5 * 2^23: adding and subtracting it rounds a float below 2^22 to the nearest integer, ties to even. */
    private static final float ROUND = 12582912f;

    /** {@code x[xOffset .. xOffset + cols)}, {@code cols} a multiple of 32. */
    static Q8Activations of(float[] x, int xOffset, int cols) {
        int blocks = cols / BLOCK;
        int groups = blocks / GROUP;
        short[] q = new short[blocks * BLOCK];
        float[] laneScale = new float[groups * L];
        float[] laneOffset = new float[groups * L];
        float[] blockScale = new float[blocks];
        int[] blockSum = new int[blocks];
        for (int b = 0; b < blocks; b++) {
            int xo = xOffset + b * BLOCK;
            float max = largestMagnitude(x, xo);
            float id = max != 0 ? 127f / max : 0f;
            float d = Float.float16ToFloat(Float.floatToFloat16(max / 127f));
            int group = b / GROUP;
            boolean grouped = group < groups;
            // where values 0..15 and the folded 16..31 go: the group's layout, or plain for a last block
            int low = grouped ? group * GROUP * BLOCK + b % GROUP * 16 : b * BLOCK;
            int high = grouped ? low + GROUP * 16 : low + 16;
            int fold = grouped ? 16 : 0;
            IntVector sum = IntVector.zero(I);
            for (int k = 0; k < 16; k += L) {
                IntVector lo = rounded(x, xo + k, id);
                IntVector hi = rounded(x, xo + 16 + k, id);
                sum = sum.add(lo).add(hi);
                ((ShortVector) lo.convertShape(VectorOperators.I2S, S, 0)).intoArray(q, low + k);
                ((ShortVector) hi.sub(lo.mul(fold)).convertShape(VectorOperators.I2S, S, 0)).intoArray(q, high + k);
            }
            int total = sum.reduceLanes(VectorOperators.ADD);
            blockScale[b] = d;
            blockSum[b] = total;
            if (grouped) {
                int lane = group * L + b % GROUP * 8;
                for (int j = lane; j < lane + 8; j++) {
                    laneScale[j] = d;
                    laneOffset[j] = -d * total;
                }
            }
        }
        return new Q8Activations(q, laneScale, laneOffset, blockScale, blockSum);
    }

    /** The largest |x| of the block at {@code x[xo ..]}. */
    private static float largestMagnitude(float[] x, int xo) {
        FloatVector amax = FloatVector.fromArray(F, x, xo).abs();
        for (int k = L; k < BLOCK; k += L) {
            amax = amax.max(FloatVector.fromArray(F, x, xo + k).abs());
        }
        return amax.reduceLanes(VectorOperators.MAX);
    }

    /** {@code rint(x[o ..] * id)} for a vector of values (|x * id| <= 127). */
    private static IntVector rounded(float[] x, int o, float id) {
        FloatVector v = FloatVector.fromArray(F, x, o).mul(id).add(ROUND).sub(ROUND);
        return (IntVector) v.convert(VectorOperators.F2I, 0);
    }

    /** Writes each value of {@code x[xOffset .. xOffset + cols)} as it is rounded: {@code q * d}. */
    static void roundTrip(float[] x, int xOffset, int cols, float[] out, int outOffset) {
        for (int b = 0; b < cols / BLOCK; b++) {
            int xo = xOffset + b * BLOCK;
            float max = largestMagnitude(x, xo);
            float id = max != 0 ? 127f / max : 0f;
            float d = Float.float16ToFloat(Float.floatToFloat16(max / 127f));
            for (int k = 0; k < BLOCK; k += L) {
                FloatVector.fromArray(F, x, xo + k).mul(id).add(ROUND).sub(ROUND).mul(d)
                        .intoArray(out, outOffset + b * BLOCK + k);
            }
        }
    }
}
