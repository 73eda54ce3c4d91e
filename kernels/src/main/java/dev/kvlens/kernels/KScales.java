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

    private static int u8(MemorySegment seg, long offset) {
        return seg.get(Le.BYTE, offset) & 0xff;
    }
}
