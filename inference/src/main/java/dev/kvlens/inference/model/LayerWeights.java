package dev.kvlens.inference.model;

import dev.kvlens.kernels.WeightMatrix;

/**
 * One transformer block's weights. Matrices stay in the file's format in mapped memory; the small
 * vectors (norms, biases) are read into float arrays.
 *
 * @param attnNorm RMSNorm weight before attention
 * @param wq       query projection, {@code heads*headDim x dim}
 * @param wk       key projection, {@code kvHeads*headDim x dim}
 * @param wv       value projection, {@code kvHeads*headDim x dim}
 * @param wo       attention output projection, {@code dim x heads*headDim}
 * @param bq       query bias (qwen2) or null
 * @param bk       key bias (qwen2) or null
 * @param bv       value bias (qwen2) or null
 * @param qNorm    per-head RMSNorm weight on queries (qwen3) or null
 * @param kNorm    per-head RMSNorm weight on keys (qwen3) or null
 * @param ffnNorm  RMSNorm weight before the feed-forward block
 * @param gate     SwiGLU gate, {@code ffn x dim}
 * @param up       SwiGLU up, {@code ffn x dim}
 * @param down     SwiGLU down, {@code dim x ffn}
 */
public record LayerWeights(float[] attnNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
                           float[] bq, float[] bk, float[] bv, float[] qNorm, float[] kNorm,
                           float[] ffnNorm, WeightMatrix gate, WeightMatrix up, WeightMatrix down) {
}
