package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.Architecture;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.LlamaModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.RopeScaling;
import dev.kvlens.inference.model.RopeStyle;

/** Tiny hand-made caches and attention rows for driving a policy without a model. */
final class HandMadeCache {

    private HandMadeCache() {
    }

    /** A config of the given shape (no weights: only for policies that read shapes). */
    static PolicyContext context(int layers, int heads, int kvHeads, int headDim, KvPolicy policy) {
        ModelConfig c = new ModelConfig(Architecture.LLAMA, "hand-made", heads * headDim, layers, heads, kvHeads,
                headDim, 4, 8, 64, 1e-5f, 10000f, headDim, RopeStyle.ADJACENT_PAIRS, RopeScaling.NONE, null);
        return new PolicyContext(new LlamaModel(c, null), new PolicyCache(layers, kvHeads, headDim, policy));
    }

    /** Appends positions {@code from..to-1} with key = value = (position, 1, 0...) to every store. */
    static void fill(PolicyContext context, int from, int to) {
        PolicyCache cache = (PolicyCache) context.cache();
        float[] kv = new float[cache.headDim()];
        for (int l = 0; l < cache.layers(); l++) {
            for (int g = 0; g < cache.kvHeads(); g++) {
                for (int p = from; p < to; p++) {
                    kv[0] = p;
                    if (kv.length > 1) {
                        kv[1] = 1;
                    }
                    cache.head(l, g).append(p, kv, 0, kv, 0);
                }
            }
        }
    }

    static HeadAttention row(PolicyContext context, int layer, int head, int position, float... weights) {
        int group = context.config().groupSize();
        KvHeadStore store = context.cache().head(layer, head / group);
        return new HeadAttention(layer, head, head / group, position, new float[context.config().headDim()], 0,
                weights, weights.length, store);
    }

    static int[] positions(KvHeadStore store) {
        int[] p = new int[store.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = store.position(i);
        }
        return p;
    }
}
