package dev.kvlens.inference.cli;

/**
 * The hyper-parameters of a synthetic Llama model.
 *
 * @param layers  transformer blocks
 * @param dim     embedding width (also the query width: heads x head dim)
 * @param heads   query heads
 * @param kvHeads key/value heads
 * @param ffn     feed-forward hidden width
 * @param vocab   vocabulary size (the vocabulary file's token count)
 * @param context context length written to the header
 */
record SynthShape(int layers, int dim, int heads, int kvHeads, int ffn, int vocab, int context) {

    int headDim() {
        return dim / heads;
    }

    int kvDim() {
        return kvHeads * headDim();
    }

    /** Weights: embedding, output, and per block four attention and three FFN matrices plus two norms. */
    long parameters() {
        long perLayer = 2L * dim * dim + 2L * dim * kvDim() + 3L * dim * ffn + 2L * dim;
        return 2L * vocab * dim + dim + layers * perLayer;
    }
}
