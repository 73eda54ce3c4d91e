package dev.kvlens.inference.session;

/**
 * The keys one lane's cache holds for one (layer, KV head), copied on the session's worker between
 * steps: as attention uses them (after RoPE; dequantised where the store quantises; zeros in pruned
 * channels), one row per entry in position order.
 *
 * @param lane     lane index
 * @param position position of the last token the lane had read (-1 before the prompt ran)
 * @param layer    layer
 * @param kvHead   KV head
 * @param headDim  width of one key
 * @param positions original position of each entry
 * @param keys     {@code positions.length x headDim}, row-major
 */
public record HeadKeys(int lane, int position, int layer, int kvHead, int headDim, int[] positions, float[] keys) {

    public HeadKeys {
        if ((long) positions.length * headDim != keys.length) {
            throw new IllegalArgumentException(positions.length + " entries of " + headDim + " need "
                    + (long) positions.length * headDim + " key values, got " + keys.length);
        }
    }

    /** Entries held. */
    public int entries() {
        return positions.length;
    }
}
