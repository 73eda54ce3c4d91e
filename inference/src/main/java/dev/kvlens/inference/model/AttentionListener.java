package dev.kvlens.inference.model;

/**
 * Receives every head's attention as the forward pass computes it. Called on the thread that runs
 * the forward pass, in order of layer, then position, then head.
 */
public interface AttentionListener {

    /**
     * Whether this listener wants the heads of {@code layer} at {@code position}. Answering false
     * is how an attached listener stays free: nothing is handed over for that layer.
     */
    default boolean wants(int layer, int position) {
        return true;
    }

    void onAttention(HeadAttention attention);

    /**
     * The input of {@code layer}'s attention block at {@code position}, when {@link #wants} said yes:
     * the residual stream entering the layer and its RMS-normalised form (what the Q/K/V projections
     * read). Valid only during the call. Called before the layer's attention for that position.
     */
    default void onLayerInput(int layer, int position, float[] residual, int residualOffset, float[] normed,
                              int normedOffset) {
    }

    /** A listener that hands everything to {@code first} and then {@code second}; either may be null. */
    static AttentionListener both(AttentionListener first, AttentionListener second) {
        if (first == null) {
            return second;
        }
        if (second == null) {
            return first;
        }
        return new AttentionListener() {
            @Override
            public boolean wants(int layer, int position) {
                return first.wants(layer, position) || second.wants(layer, position);
            }

            @Override
            public void onAttention(HeadAttention a) {
                if (first.wants(a.layer(), a.position())) {
                    first.onAttention(a);
                }
                if (second.wants(a.layer(), a.position())) {
                    second.onAttention(a);
                }
            }

            @Override
            public void onLayerInput(int layer, int position, float[] residual, int residualOffset,
                                     float[] normed, int normedOffset) {
                if (first.wants(layer, position)) {
                    first.onLayerInput(layer, position, residual, residualOffset, normed, normedOffset);
                }
                if (second.wants(layer, position)) {
                    second.onLayerInput(layer, position, residual, residualOffset, normed, normedOffset);
                }
            }
        };
    }
}
