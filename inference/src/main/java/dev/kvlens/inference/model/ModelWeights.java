package dev.kvlens.inference.model;

import dev.kvlens.kernels.WeightMatrix;
import java.util.ArrayList;
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

    /**
     * The matrices the forward pass multiplies by, each once: every block's projections and the
     * classifier. The embedding is only looked up row by row, so it is not among them unless tied.
     */
    public List<WeightMatrix> matrices() {
        List<WeightMatrix> all = new ArrayList<>(layers.size() * 7 + 1);
        for (LayerWeights l : layers) {
            all.addAll(List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()));
        }
        all.add(output);
        return all;
    }
}
