package dev.kvlens.inference.session;

/**
 * One query head of one layer.
 *
 * @param layer layer
 * @param head  query head
 */
public record HeadRef(int layer, int head) {

    public HeadRef {
        if (layer < 0 || head < 0) {
            throw new IllegalArgumentException("layer and head must be >= 0, got " + layer + ", " + head);
        }
    }
}
