package dev.kvlens.inference.model;

import dev.kvlens.inference.cache.FullKvCache;
import dev.kvlens.inference.cache.KvCache;

/**
 * A loaded Llama-family model: its hyper-parameters and weights, immutable and shareable between
 * threads. Running it needs a {@link ForwardPass}, which owns the scratch buffers.
 */
public final class LlamaModel {

    private final ModelConfig config;
    private final ModelWeights weights;

    public LlamaModel(ModelConfig config, ModelWeights weights) {
        this.config = config;
        this.weights = weights;
    }

    public ModelConfig config() {
        return config;
    }

    public ModelWeights weights() {
        return weights;
    }

    /** A cache that keeps every entry: the reference every compressed cache is compared with. */
    public KvCache newFullCache() {
        return new FullKvCache(config.layers(), config.kvHeads(), config.headDim());
    }

    /** A new forward pass with its own buffers (one per thread or lane). */
    public ForwardPass newForwardPass() {
        return new ForwardPass(this);
    }
}
