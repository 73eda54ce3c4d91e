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
}
