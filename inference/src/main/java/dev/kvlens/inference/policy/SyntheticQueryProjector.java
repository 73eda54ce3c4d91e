package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.LayerWeights;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.RotaryEmbedding;
import dev.kvlens.kernels.VectorOps;

/**
 * Turns a normalised attention input {@code x} (what the layer's Q projection reads) into every
 * query head's post-RoPE query at a chosen position, the way the forward pass does: {@code W_q x},
 * plus the bias (qwen2), per-head q-norm (qwen3), then RoPE. GVote (POLICIES.md 13) projects sampled
 * hidden states with it; kept here rather than in the model package, which belongs to the engine.
 */
public final class SyntheticQueryProjector {

    private final ModelConfig config;
    private final RotaryEmbedding rope;

    public SyntheticQueryProjector(ModelConfig config) {
        this.config = config;
        this.rope = new RotaryEmbedding(config);
    }

    /** Returns {@code heads * headDim} floats: query head h at {@code h * headDim}. */
    public float[] project(LayerWeights layer, float[] normed, int position) {
        if (normed.length != config.dim()) {
            throw new IllegalArgumentException("input has " + normed.length + " values, the model " + config.dim());
        }
        float[] q = new float[config.queryDim()];
        layer.wq().matvec(normed, q);
        if (layer.bq() != null) {
            VectorOps.add(q, 0, layer.bq(), 0, config.queryDim());
        }
        if (layer.qNorm() != null) {
            for (int h = 0; h < config.heads(); h++) {
                int off = h * config.headDim();
                VectorOps.rmsnorm(q, off, q, off, layer.qNorm(), config.headDim(), config.rmsNormEps());
            }
        }
        rope.setPosition(position);
        rope.apply(q, 0, config.heads());
        return q;
    }
}
