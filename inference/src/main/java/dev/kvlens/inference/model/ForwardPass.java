package dev.kvlens.inference.model;

import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.kernels.Parallel;
import dev.kvlens.kernels.VectorOps;
import dev.kvlens.kernels.backend.MatrixProducts;
import java.util.Arrays;

/**
 * Runs tokens through a {@link LlamaModel}, reading and extending a {@link KvCache}. A prompt is
 * processed in chunks as matrix-matrix products (every weight row serves a whole chunk); attention
 * is then computed token by token so each token sees exactly the entries before it. Not thread-safe:
 * the buffers are reused between calls.
 */
public final class ForwardPass {

    /** Tokens per prefill chunk: large enough for matrix-matrix reuse, small enough for the buffers. */
    static final int CHUNK = 128;

    /** Below this many multiply-adds, a token's attention runs on the calling thread. */
    private static final long PARALLEL_ATTENTION_WORK = 1 << 15;

    private final LlamaModel model;
    private final ModelConfig c;
    private final RotaryEmbedding rope;
    private final float attentionScale;
    /** The model's backend's products, with this pass's own scratch. */
    private final MatrixProducts products;

    private int capacity;
    private float[] x, xb, q, k, v, att, o, h1, h2, logits;
    private float[][] scores = new float[0][];

    ForwardPass(LlamaModel model) {
        this.model = model;
        this.c = model.config();
        this.rope = new RotaryEmbedding(c);
        this.attentionScale = (float) (1.0 / Math.sqrt(c.headDim()));
        this.scores = new float[c.heads()][16];
        this.products = model.backend().newProducts();
    }

    public LlamaModel model() {
        return model;
    }

    /**
     * Feeds {@code tokens} at absolute positions {@code firstPosition, firstPosition + 1, ...},
     * appending their keys and values to {@code cache}.
     *
     * @param listener  receives each head's attention, or null
     * @param allLogits return the logits after every token ({@code tokens.length x vocab}) instead
     *                  of only after the last one
     * @return logits (a fresh array the caller may keep)
     */
    public float[] forward(int[] tokens, int firstPosition, KvCache cache, AttentionListener listener,
                           boolean allLogits) {
        return forward(tokens, firstPosition, 0, cache, listener, allLogits);
    }

    /**
     * As {@link #forward(int[], int, KvCache, AttentionListener, boolean)}, with RoPE applied at
     * {@code position - ropeShift} while entries keep their original positions. Only StreamingLLM's
     * in-cache position modes shift; everything else rotates at the absolute position.
     */
    public float[] forward(int[] tokens, int firstPosition, int ropeShift, KvCache cache, AttentionListener listener,
                           boolean allLogits) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to run");
        }
        int vocab = c.vocabularySize();
        for (int token : tokens) {
            if (token < 0 || token >= vocab) {
                throw new IllegalArgumentException("token id " + token + " outside the vocabulary [0, " + vocab + ")");
            }
        }
        float[] result = new float[allLogits ? Math.multiplyExact(tokens.length, vocab) : vocab];
        for (int start = 0; start < tokens.length; start += CHUNK) {
            int n = Math.min(CHUNK, tokens.length - start);
            runChunk(tokens, start, n, firstPosition + start, ropeShift, cache, listener);
            if (allLogits) {
                classify(n, result, start * vocab);
            } else if (start + n == tokens.length) {
                classifyLast(n, result);
            }
        }
        return result;
    }

    private void ensureCapacity(int n) {
        if (n <= capacity) {
            return;
        }
        capacity = n;
        x = new float[n * c.dim()];
        xb = new float[n * c.dim()];
        q = new float[n * c.queryDim()];
        k = new float[n * c.kvDim()];
        v = new float[n * c.kvDim()];
        att = new float[n * c.queryDim()];
        o = new float[n * c.dim()];
        h1 = new float[n * c.ffnDim()];
        h2 = new float[n * c.ffnDim()];
        logits = new float[n * c.vocabularySize()];
    }

    private void runChunk(int[] tokens, int start, int n, int firstPosition, int ropeShift, KvCache cache,
                          AttentionListener listener) {
        ensureCapacity(n);
        ModelWeights w = model.weights();
        int dim = c.dim();
        for (int t = 0; t < n; t++) {
            w.tokenEmbedding().dequantizeRow(tokens[start + t], x, t * dim);
        }
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = w.layers().get(l);
            rmsnormRows(xb, x, lw.attnNorm(), n, dim);
            if (n == 1) {
                products.matvecs(xb, lw.wq(), q, lw.wk(), k, lw.wv(), v);
            } else {
                products.matmul(lw.wq(), xb, n, q);
                products.matmul(lw.wk(), xb, n, k);
                products.matmul(lw.wv(), xb, n, v);
            }
            for (int t = 0; t < n; t++) {
                int position = firstPosition + t;
                AttentionListener wanted = listener != null && listener.wants(l, position) ? listener : null;
                if (wanted != null) {
                    wanted.onLayerInput(l, position, x, t * dim, xb, t * dim);
                }
                int qBase = t * c.queryDim();
                int kBase = t * c.kvDim();
                if (lw.bq() != null) {
                    VectorOps.add(q, qBase, lw.bq(), 0, c.queryDim());
                    VectorOps.add(k, kBase, lw.bk(), 0, c.kvDim());
                    VectorOps.add(v, kBase, lw.bv(), 0, c.kvDim());
                }
                if (lw.qNorm() != null) {
                    for (int h = 0; h < c.heads(); h++) {
                        int off = qBase + h * c.headDim();
                        VectorOps.rmsnorm(q, off, q, off, lw.qNorm(), c.headDim(), c.rmsNormEps());
                    }
                    for (int h = 0; h < c.kvHeads(); h++) {
                        int off = kBase + h * c.headDim();
                        VectorOps.rmsnorm(k, off, k, off, lw.kNorm(), c.headDim(), c.rmsNormEps());
                    }
                }
                rope.setPosition(position - ropeShift);
                rope.apply(q, qBase, c.heads());
                rope.apply(k, kBase, c.kvHeads());
                for (int h = 0; h < c.kvHeads(); h++) {
                    cache.head(l, h).append(position, k, kBase + h * c.headDim(), v, kBase + h * c.headDim());
                }
                attend(l, t, position, cache, wanted);
            }
            products.matmul(lw.wo(), att, n, o);
            VectorOps.add(x, 0, o, 0, n * dim);

            rmsnormRows(xb, x, lw.ffnNorm(), n, dim);
            if (n == 1) {
                products.matvecs(xb, lw.gate(), h1, lw.up(), h2, null, null);
            } else {
                products.matmul(lw.gate(), xb, n, h1);
                products.matmul(lw.up(), xb, n, h2);
            }
            VectorOps.siluMul(h1, 0, h2, 0, n * c.ffnDim());
            products.matmul(lw.down(), h1, n, o);
            VectorOps.add(x, 0, o, 0, n * dim);
        }
    }

    /** One token's attention, every query head; heads run in parallel when there is enough work. */
    private void attend(int layer, int t, int position, KvCache cache, AttentionListener listener) {
        int entries = 0;
        for (int h = 0; h < c.kvHeads(); h++) {
            entries = Math.max(entries, cache.head(layer, h).size());
        }
        if (scores[0].length < entries) {
            int grown = Math.max(entries, scores[0].length * 2);
            for (int h = 0; h < scores.length; h++) {
                scores[h] = new float[grown];
            }
        }
        int qBase = t * c.queryDim();
        long work = (long) entries * c.heads() * c.headDim() * 2;
        if (work < PARALLEL_ATTENTION_WORK || Parallel.threads() == 1) {
            for (int h = 0; h < c.heads(); h++) {
                attendHead(layer, h, qBase, cache);
            }
        } else {
            Parallel.forRange(c.heads(), (from, to) -> {
                for (int h = from; h < to; h++) {
                    attendHead(layer, h, qBase, cache);
                }
            });
        }
        if (listener != null) {
            for (int h = 0; h < c.heads(); h++) {
                int kvHead = h / c.groupSize();
                KvHeadStore store = cache.head(layer, kvHead);
                listener.onAttention(new HeadAttention(layer, h, kvHead, position, q, qBase + h * c.headDim(),
                        scores[h], store.size(), store));
            }
        }
    }

    private void attendHead(int layer, int h, int qBase, KvCache cache) {
        KvHeadStore store = cache.head(layer, h / c.groupSize());
        int entries = store.size();
        float[] s = scores[h];
        int off = qBase + h * c.headDim();
        store.scores(q, off, attentionScale, s);
        VectorOps.softmax(s, 0, entries);
        Arrays.fill(att, off, off + c.headDim(), 0f);
        store.accumulate(s, att, off);
    }

    private void classify(int n, float[] out, int outOffset) {
        ModelWeights w = model.weights();
        rmsnormRows(xb, x, w.outputNorm(), n, c.dim());
        products.matmul(w.output(), xb, n, logits);
        System.arraycopy(logits, 0, out, outOffset, n * c.vocabularySize());
    }

    private void classifyLast(int n, float[] out) {
        ModelWeights w = model.weights();
        int last = (n - 1) * c.dim();
        VectorOps.rmsnorm(xb, 0, x, last, w.outputNorm(), c.dim(), c.rmsNormEps());
        products.matvec(w.output(), xb, out);
    }

    private void rmsnormRows(float[] out, float[] in, float[] weight, int n, int dim) {
        for (int t = 0; t < n; t++) {
            VectorOps.rmsnorm(out, t * dim, in, t * dim, weight, dim, c.rmsNormEps());
        }
    }
}
