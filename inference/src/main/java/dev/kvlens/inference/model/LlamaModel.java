package dev.kvlens.inference.model;

import dev.kvlens.inference.cache.FullKvCache;
import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.kernels.backend.Backend;
import dev.kvlens.kernels.backend.VectorApiBackend;

/**
 * A loaded Llama-family model: its hyper-parameters and weights, immutable and shareable between
 * threads, and the {@link Backend} its matrix products run on. Running it needs a
 * {@link ForwardPass}, which owns the scratch buffers.
 */
public final class LlamaModel {

    private final ModelConfig config;
    private final ModelWeights weights;
    private final Backend backend;

    /** A model on the default backend (the Vector API kernels). */
    public LlamaModel(ModelConfig config, ModelWeights weights) {
        this(config, weights, new VectorApiBackend());
    }

    /** A model whose products run on {@code backend}, which must have been opened over {@link ModelWeights#matrices()}. */
    public LlamaModel(ModelConfig config, ModelWeights weights, Backend backend) {
        this.config = config;
        this.weights = weights;
        this.backend = backend;
    }

    public ModelConfig config() {
        return config;
    }

    public ModelWeights weights() {
        return weights;
    }

    public Backend backend() {
        return backend;
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
