package dev.kvlens.inference.gguf;

/**
 * The {@code llama.*} keys of a GGUF file of architecture "llama", as llama.cpp and the engine's
 * loader read them; for the files KV Lens writes (synthetic and trained models).
 */
public record LlamaHyperparameters(int vocab, int context, int dim, int layers, int ffn, int heads, int kvHeads,
                                   int headDim, float normEps, float ropeTheta) {

    /** Writes {@code general.architecture = llama} and every {@code llama.*} key. */
    public void writeTo(GgufWriter w) {
        w.putString("general.architecture", "llama");
        w.putUint32("llama.vocab_size", vocab);
        w.putUint32("llama.context_length", context);
        w.putUint32("llama.embedding_length", dim);
        w.putUint32("llama.block_count", layers);
        w.putUint32("llama.feed_forward_length", ffn);
        w.putUint32("llama.rope.dimension_count", headDim);
        w.putUint32("llama.attention.head_count", heads);
        w.putUint32("llama.attention.head_count_kv", kvHeads);
        w.putFloat32("llama.attention.layer_norm_rms_epsilon", normEps);
        w.putFloat32("llama.rope.freq_base", ropeTheta);
    }
}
