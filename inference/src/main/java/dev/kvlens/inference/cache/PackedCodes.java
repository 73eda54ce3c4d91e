package dev.kvlens.inference.cache;

/**
 * Quantisation codes packed into ints, {@code 32 / bits} per int (16 for 2-bit, 8 for 4-bit), code
 * {@code k} in int {@code k / (32 / bits)} at bit {@code (k % (32 / bits)) * bits}. Since 2 and 4 divide
 * 32, a code never straddles two ints.
 */
final class PackedCodes {

    private PackedCodes() {
    }

    /** Ints needed for {@code count} codes. */
    static int intsFor(int count, int bits) {
        int perInt = 32 / bits;
        return (count + perInt - 1) / perInt;
    }

    static int get(int[] packed, int index, int bits) {
        int perInt = 32 / bits;
        return (packed[index / perInt] >>> ((index % perInt) * bits)) & ((1 << bits) - 1);
    }

    static void put(int[] packed, int index, int bits, int code) {
        int perInt = 32 / bits;
        int shift = (index % perInt) * bits;
        int mask = ((1 << bits) - 1) << shift;
        packed[index / perInt] = (packed[index / perInt] & ~mask) | ((code << shift) & mask);
    }
}
