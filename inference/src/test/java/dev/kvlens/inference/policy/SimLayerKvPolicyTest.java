package dev.kvlens.inference.policy;

import static dev.kvlens.inference.policy.HandMadeCache.positions;
import static dev.kvlens.inference.policy.HandMadeCache.row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.kvlens.inference.model.AttentionListener;
import org.junit.jupiter.api.Test;

class SimLayerKvPolicyTest {

    /**
     * Decode variant, X=1, W=2, n=5 (> X+W+1 = 4), two query heads on one KV head. The first step's
     * token sits at position 5, so the cache has m=6 entries; counted are index 0 and indices 4, 5.
     * Layer 0: head 0 gives 0.5 + (0.1+0.1) = 0.7, head 1 gives 0.4 + (0.2+0.3) = 0.9; z = 0.8 > 0.75: lazy,
     * keep positions {0, 4, 5}. Layer 1: head 0 0.1 + 0.2 = 0.3, head 1 0.2 + 0.2 = 0.4; z = 0.35: not lazy.
     */
    @Test
    void decodeVariantTrimsOnlyLazyLayers() {
        KvPolicy policy = PolicyRegistry.create("simlayerkv:delta=0.75,X=1,W=2", Budget.UNLIMITED);
        PolicyContext context = HandMadeCache.context(2, 2, 1, 2, policy);
        PolicyCache cache = (PolicyCache) context.cache();
        assertNull(policy.beginPrefill(context, 5));
        HandMadeCache.fill(context, 0, 5);
        policy.endPrefill(context, cache);
        assertEquals(5, cache.head(0, 0).size());

        AttentionListener step = policy.beginStep(context, 5);
        HandMadeCache.fill(context, 5, 6);
        step.onAttention(row(context, 0, 0, 5, 0.5f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f));
        step.onAttention(row(context, 0, 1, 5, 0.4f, 0f, 0f, 0.1f, 0.2f, 0.3f));
        step.onAttention(row(context, 1, 0, 5, 0.1f, 0.3f, 0.3f, 0.1f, 0.1f, 0.1f));
        step.onAttention(row(context, 1, 1, 5, 0.2f, 0.2f, 0.2f, 0.2f, 0.1f, 0.1f));
        policy.endStep(context, 5, cache);

        assertArrayEquals(new int[] {0, 4, 5}, positions(cache.head(0, 0)));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, positions(cache.head(1, 0)));
        assertArrayEquals(new boolean[] {true, false}, ((SimLayerKvPolicy) policy).lazyLayers());
        assertEquals(0.8, ((SimLayerKvPolicy) policy).layerMass()[0], 1e-6);

        // trim=once (paper): the next token is appended and nothing is trimmed again.
        assertNull(policy.beginStep(context, 6));
        HandMadeCache.fill(context, 6, 7);
        policy.endStep(context, 6, cache);
        assertArrayEquals(new int[] {0, 4, 5, 6}, positions(cache.head(0, 0)));
        // Realised keep: (4 + 7) held of 2 * 7.
        assertEquals(11.0 / 14, RealisedKeepFraction.of(cache, 7), 1e-12);
    }

    /** trim=streaming slides the lazy layer back to X + W = 3 entries: {0, 5, 6} after position 6. */
    @Test
    void streamingTrimKeepsSlidingTheLazyLayers() {
        KvPolicy policy = PolicyRegistry.create("simlayerkv:delta=0.75,X=1,W=2,trim=streaming", Budget.UNLIMITED);
        PolicyContext context = HandMadeCache.context(1, 1, 1, 2, policy);
        PolicyCache cache = (PolicyCache) context.cache();
        policy.beginPrefill(context, 5);
        HandMadeCache.fill(context, 0, 5);
        policy.endPrefill(context, cache);
        AttentionListener step = policy.beginStep(context, 5);
        HandMadeCache.fill(context, 5, 6);
        // 0.5 + 0.2 + 0.2 = 0.9 > 0.75
        step.onAttention(row(context, 0, 0, 5, 0.5f, 0.05f, 0.05f, 0f, 0.2f, 0.2f));
        policy.endStep(context, 5, cache);
        assertArrayEquals(new int[] {0, 4, 5}, positions(cache.head(0, 0)));
        HandMadeCache.fill(context, 6, 7);
        policy.endStep(context, 6, cache);
        assertArrayEquals(new int[] {0, 5, 6}, positions(cache.head(0, 0)));
    }

    /**
     * Prefill variant, X=1, W=2, R=2, w_last=2, one head, n=5: rows 3 and 4 count j < 1 and
     * 1 <= i - j <= 2 (the diagonal is not in the band). Layer 0: row 3 = 0.3 + (0.1 + 0.2) = 0.6, row 4 =
     * 0.2 + (0.1 + 0.3) = 0.6; z = 0.6 > 0.5: lazy, keep {0, 3, 4}. Layer 1: row 3 = 0.1 + (0.1 + 0.1) = 0.3,
     * row 4 = 0.1 + (0.1 + 0.1) = 0.3: not lazy.
     */
    @Test
    void prefillVariantUsesTheRecentBand() {
        KvPolicy policy = PolicyRegistry.create("simlayerkv:variant=prefill,delta=0.5,X=1,W=2,R=2,w_last=2",
                Budget.UNLIMITED);
        PolicyContext context = HandMadeCache.context(2, 1, 1, 2, policy);
        PolicyCache cache = (PolicyCache) context.cache();
        AttentionListener listener = policy.beginPrefill(context, 5);
        HandMadeCache.fill(context, 0, 5);
        assertEquals(false, listener.wants(0, 2));
        listener.onAttention(row(context, 0, 0, 3, 0.3f, 0.1f, 0.2f, 0.4f));
        listener.onAttention(row(context, 0, 0, 4, 0.2f, 0.1f, 0.1f, 0.3f, 0.3f));
        listener.onAttention(row(context, 1, 0, 3, 0.1f, 0.1f, 0.1f, 0.7f));
        listener.onAttention(row(context, 1, 0, 4, 0.1f, 0.5f, 0.1f, 0.1f, 0.2f));
        policy.endPrefill(context, cache);
        assertArrayEquals(new int[] {0, 3, 4}, positions(cache.head(0, 0)));
        assertEquals(5, cache.head(1, 0).size());
    }

    /** n = X + W + 1 = 4: kvpress's guard, nothing is decided or trimmed however lazy the layer. */
    @Test
    void shortPromptsAreNotCompressed() {
        KvPolicy policy = PolicyRegistry.create("simlayerkv:delta=0.1,X=1,W=2", Budget.UNLIMITED);
        PolicyContext context = HandMadeCache.context(1, 1, 1, 2, policy);
        PolicyCache cache = (PolicyCache) context.cache();
        policy.beginPrefill(context, 4);
        HandMadeCache.fill(context, 0, 4);
        policy.endPrefill(context, cache);
        assertNull(policy.beginStep(context, 4));
        HandMadeCache.fill(context, 4, 5);
        policy.endStep(context, 4, cache);
        assertEquals(5, cache.head(0, 0).size());
    }
}
