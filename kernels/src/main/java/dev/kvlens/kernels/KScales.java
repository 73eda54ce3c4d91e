package dev.kvlens.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The 12-byte scale/min table of Q4_K and Q5_K super-blocks: eight 6-bit scales and eight 6-bit
 * mins, packed as ggml's get_scale_min_k4 reads them.
 */
final class KScales {

    private KScales() {
    }

    /** Scale of sub-block {@code j} (0..7) of the table at {@code scales}. */
    static int scale(MemorySegment seg, long scales, int j) {
        if (j < 4) {
            return u8(seg, scales + j) & 63;
        }
        return (u8(seg, scales + j + 4) & 0xf) | ((u8(seg, scales + j - 4) >> 6) << 4);
    }

    /** Min of sub-block {@code j} (0..7) of the table at {@code scales}. */
    static int min(MemorySegment seg, long scales, int j) {
        if (j < 4) {
            return u8(seg, scales + j + 4) & 63;
        }
        return (u8(seg, scales + j + 4) >> 4) | ((u8(seg, scales + j) >> 6) << 4);
    }

    /** {@code out[j] = d * scale(j)} for all eight sub-blocks, unpacked with constant shifts. */
    static void scales(long lo8, int hi4, float d, float[] out) {
        out[0] = d * (int) (lo8 & 63);
        out[1] = d * (int) ((lo8 >>> 8) & 63);
        out[2] = d * (int) ((lo8 >>> 16) & 63);
        out[3] = d * (int) ((lo8 >>> 24) & 63);
        out[4] = d * ((hi4 & 0xf) | (int) ((lo8 >>> 6) & 3) << 4);
        out[5] = d * (((hi4 >>> 8) & 0xf) | (int) ((lo8 >>> 14) & 3) << 4);
        out[6] = d * (((hi4 >>> 16) & 0xf) | (int) ((lo8 >>> 22) & 3) << 4);
        out[7] = d * (((hi4 >>> 24) & 0xf) | (int) ((lo8 >>> 30) & 3) << 4);
    }

    /** {@code sum_j min(j) * sums[at + j]} over the eight sub-blocks. */
    static float minDot(long lo8, int hi4, float[] sums, int at) {
        return (int) ((lo8 >>> 32) & 63) * sums[at]
                + (int) ((lo8 >>> 40) & 63) * sums[at + 1]
                + (int) ((lo8 >>> 48) & 63) * sums[at + 2]
                + (int) ((lo8 >>> 56) & 63) * sums[at + 3]
                + (((hi4 >>> 4) & 0xf) | (int) ((lo8 >>> 38) & 3) << 4) * sums[at + 4]
                + (((hi4 >>> 12) & 0xf) | (int) ((lo8 >>> 46) & 3) << 4) * sums[at + 5]
                + (((hi4 >>> 20) & 0xf) | (int) ((lo8 >>> 54) & 3) << 4) * sums[at + 6]
                + (((hi4 >>> 28) & 0xf) | (int) ((lo8 >>> 62) & 3) << 4) * sums[at + 7];
    }

    private static int u8(MemorySegment seg, long offset) {
        return seg.get(Le.BYTE, offset) & 0xff;
    }
}
