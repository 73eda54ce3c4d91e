package dev.kvlens.inference.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Llama forward pass (and its loss) as a SameDiff graph for a fixed {@code batch x length}
 * block of tokens, computing exactly what the engine's {@code ForwardPass} computes for GGUF
 * architecture "llama": token embedding; per layer RMSNorm, Q/K/V without bias, RoPE on adjacent
 * pairs {@code (x[2i], x[2i+1])} at positions 0..length-1, causal attention where query head
 * {@code h} reads KV head {@code h / groupSize}, output projection and residual; RMSNorm, SwiGLU
 * feed-forward {@code down(silu(gate x) * up x)} and residual; final RMSNorm and an untied output
 * matrix.
 */
final class LlamaGraph {

    /** Added to the scores of future positions: exp(-1e9) is exactly 0 in float. */
    private static final float MASKED = -1e9f;

    static final String TOKENS = "tokens";
    static final String TARGETS = "targets";
    static final String WEIGHTS = "weights";
    static final String TOKEN_LOSS = "token_loss";
    static final String LOGITS = "logits";
    static final String LOSS = "loss";

    /** The name SameDiff gives the backward graph it builds (its own constant is not public). */
    private static final String GRADIENT_FUNCTION = "grad";

    private final SameDiff sd;
    private final int batch;
    private final int length;
    /** One per thread that ran {@link #gradients} (a SameDiff session is per thread). */
    private final Map<Long, StepArrayPool> stepArrays = new ConcurrentHashMap<>();

    /**
     * @param weights the trainer's arrays by GGUF name, in {@link LlamaParameter#trainerShape()}; the
     *                graph's variables hold these very arrays, so updating them in place updates the graph
     */
    LlamaGraph(ModelShape shape, List<LlamaParameter> parameters, Map<String, INDArray> weights, int vocab,
               int batch, int length) {
        this.batch = batch;
        this.length = length;
        this.sd = SameDiff.create();
        Map<String, SDVariable> w = new java.util.HashMap<>();
        for (LlamaParameter p : parameters) {
            w.put(p.name(), sd.var(p.variableName(), weights.get(p.name())));
        }
        int n = batch * length;
        int dim = shape.dim();
        int headDim = shape.headDim();
        int kvHeads = shape.kvHeads();
        int group = shape.groupSize();

        SDVariable tokens = sd.placeHolder(TOKENS, DataType.INT32, batch, length);
        SDVariable flat = sd.reshape(tokens, n);
        // oneHot x embedding rather than gather: gather's gradient fails in this ND4J (STACK.md).
        SDVariable x = sd.oneHot(flat, vocab, -1, 1.0, 0.0, DataType.FLOAT).mmul(w.get("token_embd.weight"));

        SDVariable cosQ = sd.constant("rope_cos_q", ropeTable(shape, batch, length, shape.heads(), false));
        SDVariable sinQ = sd.constant("rope_sin_q", ropeTable(shape, batch, length, shape.heads(), true));
        SDVariable cosK = sd.constant("rope_cos_k", ropeTable(shape, batch, length, kvHeads, false));
        SDVariable sinK = sd.constant("rope_sin_k", ropeTable(shape, batch, length, kvHeads, true));
        SDVariable swapQ = sd.constant("pair_swap_q", pairSwap(dim));
        SDVariable swapK = sd.constant("pair_swap_k", pairSwap(shape.kvDim()));
        SDVariable mask = sd.constant("causal_mask", causalMask(group, length));
        double scale = 1.0 / Math.sqrt(headDim);

        for (int l = 0; l < shape.layers(); l++) {
            String b = "blk." + l + ".";
            SDVariable xn = rmsNorm(x, w.get(b + "attn_norm.weight"), shape.normEps());
            SDVariable wq = w.get(b + "attn_q.weight");
            SDVariable wk = w.get(b + "attn_k.weight");
            // RoPE on adjacent pairs: out = x * cos + swap(x) * sin, where swap(x)[2i] = x[2i+1],
            // swap(x)[2i+1] = x[2i] and sin carries the sign (-sin on even, +sin on odd lanes). The swap
            // is folded into a copy of the weight (a column permutation), far cheaper than on activations.
            // The attention scale 1/sqrt(headDim) is applied to the queries here, on [n, dim] rather than
            // on the [batch, heads, length, length] scores.
            SDVariable q = xn.mmul(wq).mul(cosQ).add(xn.mmul(wq.mmul(swapQ)).mul(sinQ)).mul(scale);
            SDVariable k = xn.mmul(wk).mul(cosK).add(xn.mmul(wk.mmul(swapK)).mul(sinK));
            SDVariable v = xn.mmul(w.get(b + "attn_v.weight"));
            // Queries as [batch, kvHead, group * length, headDim]: query head h = kvHead * group + j
            // reads KV head h / group, and one batched product serves each KV head's whole group.
            SDVariable q4 = sd.reshape(sd.permute(sd.reshape(q, batch, length, kvHeads, group, headDim), 0, 2, 3, 1, 4),
                    batch, kvHeads, group * length, headDim);
            SDVariable k4 = sd.permute(sd.reshape(k, batch, length, kvHeads, headDim), 0, 2, 1, 3);
            SDVariable v4 = sd.permute(sd.reshape(v, batch, length, kvHeads, headDim), 0, 2, 1, 3);
            SDVariable scores = sd.mmul(q4, k4, false, true, false).add(mask);
            SDVariable probs = sd.nn.softmax(scores, -1);
            SDVariable heads = sd.mmul(probs, v4);
            SDVariable att = sd.reshape(sd.permute(sd.reshape(heads, batch, kvHeads, group, length, headDim), 0, 3, 1, 2, 4),
                    n, dim);
            x = x.add(att.mmul(w.get(b + "attn_output.weight")));

            SDVariable hn = rmsNorm(x, w.get(b + "ffn_norm.weight"), shape.normEps());
            SDVariable gate = sd.nn.swish(hn.mmul(w.get(b + "ffn_gate.weight")));
            SDVariable up = hn.mmul(w.get(b + "ffn_up.weight"));
            x = x.add(gate.mul(up).mmul(w.get(b + "ffn_down.weight")));
        }
        SDVariable logits = rmsNorm(x, w.get("output_norm.weight"), shape.normEps()).mmul(LOGITS, w.get("output.weight"));

        SDVariable targets = sd.placeHolder(TARGETS, DataType.INT32, batch, length);
        SDVariable labels = sd.oneHot(sd.reshape(targets, n), vocab, -1, 1.0, 0.0, DataType.FLOAT);
        // Per-target cross-entropy -log softmax(logits)[target]; the loss is its sum weighted by the trainer
        // (weights that sum to 1 over the whole batch, so the shares of a batch split over threads add up).
        // Written out from log-softmax: ND4J's softmaxCrossEntropy with LossReduce.NONE back-propagates as
        // if it were the loss itself, ignoring the weights applied after it.
        SDVariable tokenLoss = sd.math.neg(TOKEN_LOSS, sd.sum(sd.nn.logSoftmax(logits).mul(labels), 1));
        SDVariable lossWeights = sd.placeHolder(WEIGHTS, DataType.FLOAT, batch, length);
        SDVariable loss = sd.sum(LOSS, tokenLoss.mul(sd.reshape(lossWeights, n)));
        sd.setLossVariables(loss);
    }

    /**
     * Builds the backward graph now. ND4J 1.0.0-M2.1 prints one "Added differentiated op" line per op
     * to System.out while it does so; that would bury a command's output, so System.out is muted for
     * the duration (this runs once per training graph, before any progress is printed).
     */
    void prepareGradients() {
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            sd.createGradFunction();
        } finally {
            System.setOut(stdout);
        }
    }

    /**
     * The {@code outputs} and the gradients of {@code variables} for one block. The arrays returned
     * are reused by this graph's next call on the same thread: use them before calling again.
     */
    OutAndGrad gradients(Map<String, INDArray> feed, List<String> outputs, List<String> variables) {
        StepArrayPool arrays = stepArrays.computeIfAbsent(Thread.currentThread().threadId(), thread -> {
            SameDiff backward = sd.getFunction(GRADIENT_FUNCTION);
            if (backward == null) {
                throw new IllegalStateException("prepareGradients() first");
            }
            InferenceSession session = new InferenceSession(backward);
            StepArrayPool pool = new StepArrayPool();
            session.setMmgr(pool);
            backward.getSessions().put(thread, session);
            return pool;
        });
        arrays.recycle();
        return sd.calculateGradientsAndOutputs(feed, outputs, variables);
    }

    /** Frees the arrays of {@link #gradients} now; the graph is not used after this. */
    void close() {
        stepArrays.values().forEach(StepArrayPool::close);
        stepArrays.clear();
    }

    SameDiff sameDiff() {
        return sd;
    }

    int batch() {
        return batch;
    }

    int length() {
        return length;
    }

    /** Placeholders for a block of {@code batch x length} inputs, next-token targets and their loss weights. */
    Map<String, INDArray> feed(int[][] tokens, int[][] targets, float[][] weights) {
        if (weights.length != batch) {
            throw new IllegalArgumentException("expected " + batch + " weight rows, got " + weights.length);
        }
        float[] flat = new float[batch * length];
        for (int s = 0; s < batch; s++) {
            System.arraycopy(weights[s], 0, flat, s * length, length);
        }
        return Map.of(TOKENS, block(tokens), TARGETS, block(targets),
                WEIGHTS, Nd4j.createFromArray(flat).reshape(batch, length));
    }

    private INDArray block(int[][] ids) {
        if (ids.length != batch) {
            throw new IllegalArgumentException("expected " + batch + " sequences, got " + ids.length);
        }
        int[] flat = new int[batch * length];
        for (int s = 0; s < batch; s++) {
            if (ids[s].length != length) {
                throw new IllegalArgumentException("expected sequences of " + length + " tokens, got " + ids[s].length);
            }
            System.arraycopy(ids[s], 0, flat, s * length, length);
        }
        return Nd4j.createFromArray(flat).reshape(batch, length);
    }

    private SDVariable rmsNorm(SDVariable x, SDVariable weight, float eps) {
        SDVariable meanSquare = sd.mean(x.mul(x), true, 1);
        return x.mul(sd.math.rsqrt(meanSquare.add(eps))).mul(weight);
    }

    /**
     * Per row (batch x position) and lane (head x headDim): cos(angle) of the lane's pair, or the
     * signed sine (-sin on the pair's first lane, +sin on its second). Angles as the engine's
     * RotaryEmbedding computes them: position * theta^(-2i / headDim), in double, then float.
     */
    static INDArray ropeTable(ModelShape shape, int batch, int length, int heads, boolean sine) {
        int headDim = shape.headDim();
        int width = heads * headDim;
        float[] table = new float[batch * length * width];
        for (int t = 0; t < length; t++) {
            for (int i = 0; i < headDim / 2; i++) {
                double angle = t * Math.pow(shape.ropeTheta(), -2.0 * i / headDim);
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                for (int h = 0; h < heads; h++) {
                    int lane = h * headDim + 2 * i;
                    for (int bi = 0; bi < batch; bi++) {
                        int row = (bi * length + t) * width;
                        table[row + lane] = sine ? -s : c;
                        table[row + lane + 1] = sine ? s : c;
                    }
                }
            }
        }
        return Nd4j.create(table, new long[] {(long) batch * length, width}, 'c');
    }

    /** The permutation matrix P with (x P)[2i] = x[2i+1] and (x P)[2i+1] = x[2i]. */
    static INDArray pairSwap(int width) {
        float[] p = new float[width * width];
        for (int i = 0; i < width; i += 2) {
            p[(i + 1) * width + i] = 1f;
            p[i * width + i + 1] = 1f;
        }
        return Nd4j.create(p, new long[] {width, width}, 'c');
    }

    /** [1, 1, group * length, length]: row j * length + t (query at position t) sees keys 0..t. */
    static INDArray causalMask(int group, int length) {
        float[] m = new float[group * length * length];
        for (int j = 0; j < group; j++) {
            for (int t = 0; t < length; t++) {
                int row = (j * length + t) * length;
                for (int s = t + 1; s < length; s++) {
                    m[row + s] = MASKED;
                }
            }
        }
        return Nd4j.create(m, new long[] {1, 1, (long) group * length, length}, 'c');
    }

    /** Parameter list for a shape, in the order llama.cpp writes a llama GGUF. */
    static List<LlamaParameter> parameters(ModelShape s, int vocab) {
        List<LlamaParameter> out = new ArrayList<>();
        out.add(new LlamaParameter("token_embd.weight", LlamaParameter.Kind.EMBEDDING, vocab, s.dim()));
        for (int l = 0; l < s.layers(); l++) {
            String b = "blk." + l + ".";
            out.add(new LlamaParameter(b + "attn_norm.weight", LlamaParameter.Kind.NORM, 1, s.dim()));
            out.add(new LlamaParameter(b + "attn_q.weight", LlamaParameter.Kind.MATRIX, s.dim(), s.dim()));
            out.add(new LlamaParameter(b + "attn_k.weight", LlamaParameter.Kind.MATRIX, s.kvDim(), s.dim()));
            out.add(new LlamaParameter(b + "attn_v.weight", LlamaParameter.Kind.MATRIX, s.kvDim(), s.dim()));
            out.add(new LlamaParameter(b + "attn_output.weight", LlamaParameter.Kind.MATRIX, s.dim(), s.dim()));
            out.add(new LlamaParameter(b + "ffn_norm.weight", LlamaParameter.Kind.NORM, 1, s.dim()));
            out.add(new LlamaParameter(b + "ffn_gate.weight", LlamaParameter.Kind.MATRIX, s.ffn(), s.dim()));
            out.add(new LlamaParameter(b + "ffn_down.weight", LlamaParameter.Kind.MATRIX, s.dim(), s.ffn()));
            out.add(new LlamaParameter(b + "ffn_up.weight", LlamaParameter.Kind.MATRIX, s.ffn(), s.dim()));
        }
        out.add(new LlamaParameter("output_norm.weight", LlamaParameter.Kind.NORM, 1, s.dim()));
        out.add(new LlamaParameter("output.weight", LlamaParameter.Kind.MATRIX, vocab, s.dim()));
        return List.copyOf(out);
    }
}
