package dev.kvlens.inference.policy.profiled;

import dev.kvlens.inference.model.LayerWeights;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.kernels.VectorOps;

/**
 * Recomputes what a decoder layer hands to the next one, from what a listener sees: the residual
 * entering the layer and the heads' attention outputs. Needed for the last layer, whose output no
 * listener hook shows ({@code x + W_o att}, then {@code + down(silu(gate h) * up h)} with
 * {@code h = rmsnorm(.)}), exactly as the forward pass computes it.
 */
final class LayerReplay {

    private final ModelConfig c;
    private final float[] projected;
    private final float[] normed;
    private final float[] gate;
    private final float[] up;

    LayerReplay(ModelConfig c) {
        this.c = c;
        this.projected = new float[c.dim()];
        this.normed = new float[c.dim()];
        this.gate = new float[c.ffnDim()];
        this.up = new float[c.ffnDim()];
    }

    /** The residual leaving the layer; {@code attention} is every query head's output, head after head. */
    float[] output(LayerWeights w, float[] residualIn, float[] attention) {
        float[] x = residualIn.clone();
        w.wo().matvec(attention, projected);
        VectorOps.add(x, 0, projected, 0, c.dim());
        VectorOps.rmsnorm(normed, 0, x, 0, w.ffnNorm(), c.dim(), c.rmsNormEps());
        w.gate().matvec(normed, gate);
        w.up().matvec(normed, up);
        VectorOps.siluMul(gate, 0, up, 0, c.ffnDim());
        w.down().matvec(gate, projected);
        VectorOps.add(x, 0, projected, 0, c.dim());
        return x;
    }
}
