package dev.kvlens.inference.model;

/**
 * The hyper-parameters of a Llama-family model, whatever file they came from.
 *
 * @param architecture  which variant of the forward pass
 * @param name          a human-readable model name
 * @param dim           embedding width
 * @param layers        transformer blocks
 * @param heads         query heads
 * @param kvHeads       key/value heads (GQA when fewer than {@code heads})
 * @param headDim       width of one head
 * @param ffnDim        hidden width of the SwiGLU feed-forward block
 * @param vocabularySize rows of the embedding
 * @param contextLength the context the model was trained for
 * @param rmsNormEps    epsilon inside RMSNorm
 * @param ropeTheta     RoPE base frequency
 * @param ropeDim       how many leading dimensions of each head RoPE rotates
 * @param ropeStyle     which elements RoPE pairs
 * @param ropeScaling   long-context frequency scaling
 * @param ropeFreqFactors per-pair frequency divisors from a {@code rope_freqs} tensor, or null
 */
public record ModelConfig(Architecture architecture, String name, int dim, int layers, int heads, int kvHeads,
                          int headDim, int ffnDim, int vocabularySize, int contextLength, float rmsNormEps,
                          float ropeTheta, int ropeDim, RopeStyle ropeStyle, RopeScaling ropeScaling,
                          float[] ropeFreqFactors) {

    /** Query heads that share one KV head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    public int queryDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Bytes one token adds to a full-precision (fp32) KV cache: keys and values, every layer. */
    public long kvBytesPerToken() {
        return 2L * layers * kvDim() * Float.BYTES;
    }
}
