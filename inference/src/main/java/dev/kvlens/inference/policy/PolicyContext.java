package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.inference.model.LlamaModel;
import dev.kvlens.inference.model.ModelConfig;

/**
 * What a policy may read while it decides: the model (for policies that project synthetic
 * queries, like GVote) and the cache as it is now.
 *
 * @param model the model the lane runs
 * @param cache the lane's cache
 */
public record PolicyContext(LlamaModel model, KvCache cache) {

    public ModelConfig config() {
        return model.config();
    }
}
