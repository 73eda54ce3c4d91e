package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.KvCache;

/**
 * The keep fraction an adaptive policy (SimLayerKV, GVote, FastGen) really reached on one request
 * (POLICIES.md 16.5: report the realised ratio per request): entries held over the entries a full
 * cache would hold after {@code tokensSeen} tokens, over every (layer, KV head).
 */
public final class RealisedKeepFraction {

    private RealisedKeepFraction() {
    }

    public static double of(KvCache cache, int tokensSeen) {
        if (tokensSeen < 1) {
            throw new IllegalArgumentException("no tokens seen yet");
        }
        long held = 0;
        for (int l = 0; l < cache.layers(); l++) {
            for (int g = 0; g < cache.kvHeads(); g++) {
                held += cache.head(l, g).size();
            }
        }
        return held / ((double) tokensSeen * cache.layers() * cache.kvHeads());
    }
}
