package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.inference.model.LlamaModel;
import dev.kvlens.inference.model.ModelConfig;
import java.util.Arrays;

/**
 * What a policy may read while it decides: the model (for policies that project synthetic
 * queries, like GVote), the cache as it is now, and the token ids fed so far (for policies that
 * treat special or punctuation tokens differently, like FastGen).
 *
 * @param model  the model the lane runs
 * @param cache  the lane's cache
 * @param tokens the token ids fed so far, by position (the lane appends to it)
 */
public record PolicyContext(LlamaModel model, KvCache cache, TokenHistory tokens) {

    /** A context with an empty token history. */
    public PolicyContext(LlamaModel model, KvCache cache) {
        this(model, cache, new TokenHistory());
    }

    public ModelConfig config() {
        return model.config();
    }

    /**
     * The editor of the lane's cache, for policies that must change stores before the prompt
     * runs (e.g. sharing one layer's store with another).
     */
    public CacheEditor editor() {
        if (cache instanceof CacheEditor editor) {
            return editor;
        }
        throw new IllegalStateException("this cache cannot be edited: " + cache.getClass().getSimpleName());
    }

    /** Token ids by absolute position: the prompt, then each token as its step begins. */
    public static final class TokenHistory {

        private int[] ids = new int[64];
        private int size;

        /** Appends the token at the next position. */
        public void add(int token) {
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, size * 2);
            }
            ids[size++] = token;
        }

        public void addAll(int[] tokens) {
            for (int t : tokens) {
                add(t);
            }
        }

        /** The token fed at {@code position}. */
        public int at(int position) {
            return ids[java.util.Objects.checkIndex(position, size)];
        }

        public int size() {
            return size;
        }
    }
}
