package dev.kvlens.inference.train;

/**
 * The shape of a Llama model to train: what the GGUF's {@code llama.*} keys will say. The head size
 * is {@code dim / heads}; query head {@code h} reads KV head {@code h / (heads / kvHeads)}, as the
 * engine's forward pass does.
 */
public record ModelShape(int layers, int dim, int heads, int kvHeads, int ffn, int context, float ropeTheta,
                         float normEps) {

    public ModelShape {
        positive("layers", layers);
        positive("dim", dim);
        positive("heads", heads);
        positive("kv_heads", kvHeads);
        positive("ffn", ffn);
        positive("context", context);
        if (dim % heads != 0 || (dim / heads) % 2 != 0) {
            throw new BadRecipeException("model.dim " + dim + " must be model.heads " + heads + " times an even head size");
        }
        if (heads % kvHeads != 0) {
            throw new BadRecipeException("model.kv_heads " + kvHeads + " must divide model.heads " + heads);
        }
        if (!(ropeTheta > 1f) || Float.isInfinite(ropeTheta)) {
            throw new BadRecipeException("model.rope_theta must be a finite number above 1, got " + ropeTheta);
        }
        if (!(normEps > 0f) || normEps > 0.1f) {
            throw new BadRecipeException("model.norm_eps must be in (0, 0.1], got " + normEps);
        }
    }

    private static void positive(String key, int value) {
        // 2^16 is far beyond anything a CPU trainer can train, and keeps every product of sizes in range.
        if (value < 1 || value > (1 << 16)) {
            throw new BadRecipeException("model." + key + " must be between 1 and 65536, got " + value);
        }
    }

    public int headDim() {
        return dim / heads;
    }

    public int kvDim() {
        return kvHeads * headDim();
    }

    /** Query heads per KV head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    /** Parameters with an untied output matrix of {@code vocab} rows. */
    public long parameters(int vocab) {
        long perLayer = 2L * dim + (long) dim * dim * 2 + 2L * dim * kvDim() + 3L * dim * ffn;
        return layers * perLayer + 2L * vocab * dim + dim;
    }
}
