package dev.kvlens.inference.policy.profiled;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.LayerWeights;
import dev.kvlens.inference.model.LlamaModel;
import dev.kvlens.inference.model.ModelConfig;

/**
 * BaKlaVa-like importance measurements (POLICIES.md 11.1-11.3) over calibration prompts run with a
 * full cache: per query head {@code I = 1 - mean cos(x, y)} and per layer
 * {@code J = 1 - mean cos(residual in, residual out)}.
 * <p>
 * Head pairs: {@code value-output} (default, the spec's most faithful reading): the token's own value
 * {@code v_i} against the head's output {@code o_i = sum_j a_ij v_j}; {@code residual-contribution}:
 * the layer's normalised input against the head's output after its slice of {@code W_o}.
 * The residual out of layer {@code l < L-1} is layer {@code l+1}'s input; the last layer's is
 * recomputed by {@link LayerReplay}. Memory while profiling: {@code O(L * n * D)} residual rows.
 */
final class HeadChangeProfiler implements AttentionListener {

    enum Pair { VALUE_OUTPUT, RESIDUAL_CONTRIBUTION }

    private final LlamaModel model;
    private final ModelConfig c;
    private final Pair pair;
    private final LayerReplay replay;
    private final double[][] headSum;
    private final long[][] headCount;
    private final double[] layerSum;
    private final long[] layerCount;
    private final float[][] outputProjection;
    private float[][] inputs;
    private final float[] normed;
    private final float[] lastAttention;
    private final float[] headOut;
    private final float[] value;

    HeadChangeProfiler(LlamaModel model, Pair pair) {
        this.model = model;
        this.c = model.config();
        this.pair = pair;
        this.replay = new LayerReplay(c);
        this.headSum = new double[c.layers()][c.heads()];
        this.headCount = new long[c.layers()][c.heads()];
        this.layerSum = new double[c.layers()];
        this.layerCount = new long[c.layers()];
        this.outputProjection = new float[c.layers()][];
        this.normed = new float[c.dim()];
        this.lastAttention = new float[c.queryDim()];
        this.headOut = new float[c.headDim()];
        this.value = new float[c.headDim()];
    }

    /** Runs one calibration prompt on a fresh full cache. */
    void run(int[] tokens) {
        inputs = new float[c.layers()][Math.multiplyExact(tokens.length, c.dim())];
        model.newForwardPass().forward(tokens, 0, model.newFullCache(), this, false);
        inputs = null;
    }

    @Override
    public void onLayerInput(int layer, int position, float[] residual, int residualOffset, float[] normedInput,
                             int normedOffset) {
        System.arraycopy(residual, residualOffset, inputs[layer], position * c.dim(), c.dim());
        System.arraycopy(normedInput, normedOffset, normed, 0, c.dim());
        if (layer > 0) {
            addLayer(layer - 1, inputs[layer - 1], position * c.dim(), residual, residualOffset);
        }
    }

    @Override
    public void onAttention(HeadAttention a) {
        int d = c.headDim();
        KvHeadStore store = a.cache();
        java.util.Arrays.fill(headOut, 0f);
        store.accumulate(a.weights(), headOut, 0);
        System.arraycopy(headOut, 0, lastAttention, a.head() * d, d);
        double cos;
        if (pair == Pair.VALUE_OUTPUT) {
            store.readValue(a.entries() - 1, value, 0); // the current token's own value, appended last
            cos = cosine(value, 0, headOut, 0, d);
        } else {
            cos = cosine(normed, 0, contribution(a.layer(), a.head()), 0, c.dim());
        }
        headSum[a.layer()][a.head()] += cos;
        headCount[a.layer()][a.head()]++;
        if (a.layer() == c.layers() - 1 && a.head() == c.heads() - 1) {
            LayerWeights w = model.weights().layers().get(a.layer());
            float[] in = new float[c.dim()];
            System.arraycopy(inputs[a.layer()], a.position() * c.dim(), in, 0, c.dim());
            float[] out = replay.output(w, in, lastAttention);
            addLayer(a.layer(), in, 0, out, 0);
        }
    }

    /** {@code W_o[:, h*d .. h*d+d) . o_h}, the head's share of the attention block's output. */
    private float[] contribution(int layer, int head) {
        if (outputProjection[layer] == null) {
            var wo = model.weights().layers().get(layer).wo();
            float[] rows = new float[c.dim() * c.queryDim()];
            for (int r = 0; r < c.dim(); r++) {
                wo.dequantizeRow(r, rows, r * c.queryDim());
            }
            outputProjection[layer] = rows;
        }
        float[] rows = outputProjection[layer];
        float[] y = new float[c.dim()];
        int d = c.headDim();
        for (int r = 0; r < c.dim(); r++) {
            double s = 0;
            for (int k = 0; k < d; k++) {
                s += rows[r * c.queryDim() + head * d + k] * headOut[k];
            }
            y[r] = (float) s;
        }
        return y;
    }

    private void addLayer(int layer, float[] in, int inOffset, float[] out, int outOffset) {
        layerSum[layer] += cosine(in, inOffset, out, outOffset, c.dim());
        layerCount[layer]++;
    }

    static double cosine(float[] a, int aOff, float[] b, int bOff, int n) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < n; i++) {
            ab += (double) a[aOff + i] * b[bOff + i];
            aa += (double) a[aOff + i] * a[aOff + i];
            bb += (double) b[bOff + i] * b[bOff + i];
        }
        return aa == 0 || bb == 0 ? 0 : ab / Math.sqrt(aa * bb);
    }

    /** I[l][h] = 1 - mean cos. */
    double[][] headImportance() {
        double[][] out = new double[c.layers()][c.heads()];
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.heads(); h++) {
                out[l][h] = headCount[l][h] == 0 ? 0 : 1 - headSum[l][h] / headCount[l][h];
            }
        }
        return out;
    }

    /** J[l] = 1 - mean cos of the residual stream across the layer. */
    double[] layerImportance() {
        double[] out = new double[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            out[l] = layerCount[l] == 0 ? 0 : 1 - layerSum[l] / layerCount[l];
        }
        return out;
    }

    /** I[l][g] = mean of I[l][h] over the KV group. */
    static double[][] perKvHead(double[][] head, int kvHeads) {
        int group = head[0].length / kvHeads;
        double[][] out = new double[head.length][kvHeads];
        for (int l = 0; l < head.length; l++) {
            for (int g = 0; g < kvHeads; g++) {
                double s = 0;
                for (int h = g * group; h < (g + 1) * group; h++) {
                    s += head[l][h];
                }
                out[l][g] = s / group;
            }
        }
        return out;
    }
}
