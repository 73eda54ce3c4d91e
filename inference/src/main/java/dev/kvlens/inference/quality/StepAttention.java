package dev.kvlens.inference.quality;

import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.ModelConfig;
import java.util.Arrays;

/**
 * Captures, for one token position, every head's attention weights (with the positions they
 * fall on) and every layer's attention output, so that two lanes can be compared on the same
 * step. Attention output of a head = sum of weights times the values its store holds.
 */
public final class StepAttention implements AttentionListener {

    private final ModelConfig config;
    private final int position;
    private final float[][] weights;
    private final int[][] positions;
    private final float[][] outputs;

    public StepAttention(ModelConfig config, int position) {
        this.config = config;
        this.position = position;
        this.weights = new float[config.layers() * config.heads()][];
        this.positions = new int[config.layers() * config.heads()][];
        this.outputs = new float[config.layers()][config.queryDim()];
    }

    @Override
    public boolean wants(int layer, int position) {
        return position == this.position;
    }

    @Override
    public void onAttention(HeadAttention a) {
        int slot = a.layer() * config.heads() + a.head();
        weights[slot] = Arrays.copyOf(a.weights(), a.entries());
        int[] pos = new int[a.entries()];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = a.cache().position(i);
        }
        positions[slot] = pos;
        a.cache().accumulate(a.weights(), outputs[a.layer()], a.head() * config.headDim());
    }

    public float[] weights(int layer, int head) {
        return weights[layer * config.heads() + head];
    }

    public int[] positions(int layer, int head) {
        return positions[layer * config.heads() + head];
    }

    /** The layer's attention output (all heads, before the output projection). */
    public float[] output(int layer) {
        return outputs[layer];
    }

    public boolean complete() {
        for (float[] w : weights) {
            if (w == null) {
                return false;
            }
        }
        return true;
    }
}
