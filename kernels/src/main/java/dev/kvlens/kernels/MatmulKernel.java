package dev.kvlens.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile of matmul: 4 decoded weight rows times 4 tokens, 16 accumulators, so each
 * loaded vector feeds four FMAs instead of one.
 */
final class MatmulKernel {

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = F.length();

    /** Levels of the pairwise network: log2(L), 4 with AVX-512, 3 with AVX2. */
    private static final int LEVELS = Integer.numberOfTrailingZeros(L);
    /** Per level: lanes whose group (of L/2, L/4, ... lanes) has an odd index. Constants, one per
     *  field, so that C2 sees them as such (array elements left every vector boxed). */
    private static final VectorMask<Float> ODD0 = oddGroups(0);
    private static final VectorMask<Float> ODD1 = oddGroups(1);
    private static final VectorMask<Float> ODD2 = oddGroups(2);
    private static final VectorMask<Float> ODD3 = oddGroups(Math.min(3, LEVELS - 1));
    /** Per level: the shuffle that swaps neighbouring groups. */
    private static final VectorShuffle<Float> SWAP0 = swapGroups(0);
    private static final VectorShuffle<Float> SWAP1 = swapGroups(1);
    private static final VectorShuffle<Float> SWAP2 = swapGroups(2);
    private static final VectorShuffle<Float> SWAP3 = swapGroups(Math.min(3, LEVELS - 1));
    /** {@code SOURCE[slot]}: which accumulator ({@code 4 * row + token}) the network's output slot holds. */
    private static final int[] SOURCE = sources();

    /** Scratch floats {@link #tile4x4} needs. */
    static final int SCRATCH = 16 * L;

    private MatmulKernel() {
    }

    private static VectorMask<Float> oddGroups(int level) {
        int g = L >> (level + 1);
        boolean[] bits = new boolean[L];
        for (int i = 0; i < L; i++) {
            bits[i] = (i / g) % 2 == 1;
        }
        return VectorMask.fromArray(F, bits, 0);
    }

    private static VectorShuffle<Float> swapGroups(int level) {
        int g = L >> (level + 1);
        int[] idx = new int[L];
        for (int i = 0; i < L; i++) {
            idx[i] = i ^ g;
        }
        return VectorShuffle.fromArray(F, idx, 0);
    }

    /**
     * One step of the network: even groups of the result hold a's groups summed with their odd
     * neighbours, odd groups b's. Each output lane is a sum over one input vector only.
     */
    /** Follows accumulator labels through the network exactly as {@link #tile4x4} wires it. */
    private static int[] sources() {
        int[][] acc = new int[16][];
        for (int a = 0; a < 16; a++) {
            acc[a] = new int[L];
            java.util.Arrays.fill(acc[a], a);
        }
        int[][] r = new int[4][];
        for (int i = 0; i < 4; i++) {
            r[i] = pairLabels(pairLabels(acc[4 * i], acc[4 * i + 1], 0), pairLabels(acc[4 * i + 2], acc[4 * i + 3], 0), 1);
        }
        int[] out = new int[16];
        if (LEVELS == 4) {
            System.arraycopy(pairLabels(pairLabels(r[0], r[1], 2), pairLabels(r[2], r[3], 2), 3), 0, out, 0, 16);
        } else {
            System.arraycopy(pairLabels(r[0], r[1], 2), 0, out, 0, L);
            System.arraycopy(pairLabels(r[2], r[3], 2), 0, out, L, L);
        }
        return out;
    }

    private static int[] pairLabels(int[] a, int[] b, int level) {
        int g = L >> (level + 1);
        int[] out = new int[L];
        for (int i = 0; i < L; i++) {
            out[i] = (i / g) % 2 == 1 ? b[i] : a[i];
        }
        return out;
    }

    /**
     * {@code out[(t0 + j) * rows + r0 + i] = w[i * cols ..] . x[(t0 + j) * cols ..]} for i, j < 4.
     * {@code lanes} is scratch of at least {@code 16 * L} floats.
     */
    static void tile4x4(float[] w, int cols, float[] x, int t0, float[] out, int rows, int r0, float[] lanes) {
        int w0 = 0;
        int w1 = cols;
        int w2 = 2 * cols;
        int w3 = 3 * cols;
        int x0 = t0 * cols;
        int x1 = x0 + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a23 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), a33 = FloatVector.zero(F);
        int k = 0;
        for (int bound = F.loopBound(cols); k < bound; k += L) {
            FloatVector v0 = FloatVector.fromArray(F, w, w0 + k);
            FloatVector v1 = FloatVector.fromArray(F, w, w1 + k);
            FloatVector v2 = FloatVector.fromArray(F, w, w2 + k);
            FloatVector v3 = FloatVector.fromArray(F, w, w3 + k);
            FloatVector u = FloatVector.fromArray(F, x, x0 + k);
            a00 = v0.fma(u, a00);
            a10 = v1.fma(u, a10);
            a20 = v2.fma(u, a20);
            a30 = v3.fma(u, a30);
            u = FloatVector.fromArray(F, x, x1 + k);
            a01 = v0.fma(u, a01);
            a11 = v1.fma(u, a11);
            a21 = v2.fma(u, a21);
            a31 = v3.fma(u, a31);
            u = FloatVector.fromArray(F, x, x2 + k);
            a02 = v0.fma(u, a02);
            a12 = v1.fma(u, a12);
            a22 = v2.fma(u, a22);
            a32 = v3.fma(u, a32);
            u = FloatVector.fromArray(F, x, x3 + k);
            a03 = v0.fma(u, a03);
            a13 = v1.fma(u, a13);
            a23 = v2.fma(u, a23);
            a33 = v3.fma(u, a33);
        }
        // The 16 accumulators are summed lane-wise by a fixed transpose-and-add network (the same
        // bits wherever it runs, like Simd.sum): 16 x 15 scalar adds through memory took about as
        // long as the 36 x 16 FMAs of a 576-wide tile. Written out in place: C2 declined to inline a
        // helper this deep into the method (NodeCountInliningCutoff), which boxed every vector.
        FloatVector p1 = a00.blend(a01, ODD0).add(a01.blend(a00, ODD0).rearrange(SWAP0));
        FloatVector p2 = a02.blend(a03, ODD0).add(a03.blend(a02, ODD0).rearrange(SWAP0));
        FloatVector p3 = p1.blend(p2, ODD1).add(p2.blend(p1, ODD1).rearrange(SWAP1));
        FloatVector p4 = a10.blend(a11, ODD0).add(a11.blend(a10, ODD0).rearrange(SWAP0));
        FloatVector p5 = a12.blend(a13, ODD0).add(a13.blend(a12, ODD0).rearrange(SWAP0));
        FloatVector p6 = p4.blend(p5, ODD1).add(p5.blend(p4, ODD1).rearrange(SWAP1));
        FloatVector p7 = a20.blend(a21, ODD0).add(a21.blend(a20, ODD0).rearrange(SWAP0));
        FloatVector p8 = a22.blend(a23, ODD0).add(a23.blend(a22, ODD0).rearrange(SWAP0));
        FloatVector p9 = p7.blend(p8, ODD1).add(p8.blend(p7, ODD1).rearrange(SWAP1));
        FloatVector p10 = a30.blend(a31, ODD0).add(a31.blend(a30, ODD0).rearrange(SWAP0));
        FloatVector p11 = a32.blend(a33, ODD0).add(a33.blend(a32, ODD0).rearrange(SWAP0));
        FloatVector p12 = p10.blend(p11, ODD1).add(p11.blend(p10, ODD1).rearrange(SWAP1));
        float[] s = new float[16];
        if (LEVELS == 4) {
            FloatVector p13 = p3.blend(p6, ODD2).add(p6.blend(p3, ODD2).rearrange(SWAP2));
            FloatVector p14 = p9.blend(p12, ODD2).add(p12.blend(p9, ODD2).rearrange(SWAP2));
            FloatVector p15 = p13.blend(p14, ODD3).add(p14.blend(p13, ODD3).rearrange(SWAP3));
            p15.intoArray(lanes, 0);
        } else {
            // 8 lanes (AVX2): three levels leave two vectors of eight sums.
            FloatVector p16 = p3.blend(p6, ODD2).add(p6.blend(p3, ODD2).rearrange(SWAP2));
            FloatVector p17 = p9.blend(p12, ODD2).add(p12.blend(p9, ODD2).rearrange(SWAP2));
            p16.intoArray(lanes, 0);
            p17.intoArray(lanes, L);
        }
        for (int slot = 0; slot < 16; slot++) {
            s[SOURCE[slot]] = lanes[slot];
        }
        for (; k < cols; k++) {
            for (int i = 0; i < 4; i++) {
                float wv = w[i * cols + k];
                for (int j = 0; j < 4; j++) {
                    s[i * 4 + j] += wv * x[(t0 + j) * cols + k];
                }
            }
        }
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                out[(t0 + j) * rows + r0 + i] = s[i * 4 + j];
            }
        }
    }
}
