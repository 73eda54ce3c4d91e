package dev.kvlens.inference.model;

import dev.kvlens.kernels.WeightMatrix;
import java.util.List;

/**
 * All weights of a model.
 *
 * @param tokenEmbedding {@code vocab x dim}
 * @param layers         one entry per block
 * @param outputNorm     final RMSNorm weight
 * @param output         classifier {@code vocab x dim}; the embedding itself when tied
 */
public record ModelWeights(WeightMatrix tokenEmbedding, List<LayerWeights> layers, float[] outputNorm,
                           WeightMatrix output) {
}
