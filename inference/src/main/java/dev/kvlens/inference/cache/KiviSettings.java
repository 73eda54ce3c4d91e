package dev.kvlens.inference.cache;

/**
 * How a {@link KiviHeadStore} quantises (POLICIES.md 14).
 *
 * @param bits       code width, 2 or 4
 * @param keyGroup   G for keys: each channel has its own scale and minimum per block of G consecutive entries
 * @param valueGroup G for values: each entry's channels are split into blocks of this many channels
 * @param residual   R: entries whose keys/values are still full precision (R % keyGroup == 0); keys are
 *                   quantised R at a time when the buffer fills, values one at a time when they leave the last R
 */
public record KiviSettings(int bits, int keyGroup, int valueGroup, int residual) {

    public KiviSettings {
        if (bits != 2 && bits != 4) {
            throw new IllegalArgumentException("KIVI quantises to 2 or 4 bits, got " + bits);
        }
        if (keyGroup < 1 || valueGroup < 1) {
            throw new IllegalArgumentException("KIVI group sizes must be positive, got keys " + keyGroup
                    + ", values " + valueGroup);
        }
        if (residual < keyGroup || residual % keyGroup != 0) {
            throw new IllegalArgumentException("KIVI residual window R = " + residual
                    + " must be a positive multiple of the group size G = " + keyGroup);
        }
    }

    /** Checks that values of {@code headDim} channels split into whole groups. */
    public void requireHeadDim(int headDim) {
        if (headDim % valueGroup != 0) {
            throw new IllegalArgumentException("KIVI value group " + valueGroup + " does not divide the head size "
                    + headDim + " (values are grouped along channels)");
        }
    }
}
