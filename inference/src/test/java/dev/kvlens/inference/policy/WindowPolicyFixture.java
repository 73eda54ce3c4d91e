package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.Architecture;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.LlamaModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.RopeScaling;
import dev.kvlens.inference.model.RopeStyle;

/** Drives observation-window policies on hand-made caches and attention rows, without a model. */
final class WindowPolicyFixture {

    private WindowPolicyFixture() {
    }

    static ModelConfig config(int layers, int heads, int kvHeads, int headDim) {
        return new ModelConfig(Architecture.LLAMA, "hand-made", heads * headDim, layers, heads, kvHeads, headDim, 4, 8,
                64, 1e-5f, 10000f, headDim, RopeStyle.ADJACENT_PAIRS, RopeScaling.NONE, null);
    }

    /** A context (no weights: policies here read only shapes) over a fresh cache for {@code policy}. */
    static PolicyContext context(int layers, int heads, int kvHeads, int headDim, KvPolicy policy) {
        return new PolicyContext(new LlamaModel(config(layers, heads, kvHeads, headDim), null),
                new PolicyCache(layers, kvHeads, headDim, policy));
    }

    static PolicyCache cache(PolicyContext context) {
        return (PolicyCache) context.cache();
    }

    /** Appends positions {@code from..to-1} to every store, key = value = (position, 0, ...). */
    static void fill(PolicyContext context, int from, int to) {
        PolicyCache cache = cache(context);
        float[] kv = new float[cache.headDim()];
        for (int l = 0; l < cache.layers(); l++) {
            for (int g = 0; g < cache.kvHeads(); g++) {
                for (int p = from; p < to; p++) {
                    kv[0] = p;
                    cache.head(l, g).append(p, kv, 0, kv, 0);
                }
            }
        }
    }

    /** Query head {@code head}'s attention row at {@code position}: one weight per entry held. */
    static HeadAttention row(PolicyContext context, int layer, int head, int position, float... weights) {
        int kvHead = head / context.config().groupSize();
        KvHeadStore store = context.cache().head(layer, kvHead);
        float[] query = new float[context.config().headDim()];
        query[0] = position + head / 10f; // recognisable, for the query-copy check
        return new HeadAttention(layer, head, kvHead, position, query, 0, weights, weights.length, store);
    }

    /** Row with {@code weight} at {@code position} itself (the row's last entry) and zero elsewhere. */
    static float[] selfOnly(int position) {
        float[] w = new float[position + 1];
        w[position] = 1f;
        return w;
    }

    static int[] positions(KvHeadStore store) {
        int[] p = new int[store.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = store.position(i);
        }
        return p;
    }
}
