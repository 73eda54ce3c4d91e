package dev.kvlens.inference.policy;

import static dev.kvlens.inference.policy.HandMadeCache.positions;
import static dev.kvlens.inference.policy.HandMadeCache.row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.cache.DenseHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.LoadedModel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class GVotePolicyTest {

    /** Rank 0.5, 0.3, 0.15 reaches 0.95: the vote is {0, 1, 2}; four equal weights at p=0.5: the lower two. */
    @Test
    void aVoteIsTheSmallestTopPrefixReachingTheNucleusMass() {
        DenseHeadStore store = new DenseHeadStore(2);
        float[] kv = {0, 0};
        for (int p = 0; p < 4; p++) {
            store.append(p, kv, 0, kv, 0);
        }
        assertArrayEquals(new int[] {0, 1, 2}, GVotePolicy.nucleus(new float[] {0.5f, 0.3f, 0.15f, 0.05f}, 4, store, 0.95));
        assertArrayEquals(new int[] {1, 2}, GVotePolicy.nucleus(new float[] {0.1f, 0.5f, 0.35f, 0.05f}, 4, store, 0.85));
        assertArrayEquals(new int[] {0, 1}, GVotePolicy.nucleus(new float[] {0.25f, 0.25f, 0.25f, 0.25f}, 4, store, 0.5));
    }

    /**
     * Only the real last query votes (samples=0), two query heads on one KV head, n=5.
     * Head 0 [0.6, 0.1, 0.02, 0.25, 0.03]: 0.6 + 0.25 + 0.1 = 0.95 -> {0, 1, 3}.
     * Head 1 [0.01, 0.01, 0.96, 0.01, 0.01]: 0.96 -> {2}. Union {0, 1, 2, 3}: position 4 goes.
     * With window=1 (non-paper protection) position 4 stays; with cap=budget and B=2 the two
     * protected... (see below) the most-voted win.
     */
    @Test
    void theKvHeadKeepsTheUnionOfItsQueryHeadsVotes() {
        assertArrayEquals(new int[] {0, 1, 2, 3}, keptWith("gvote:samples=0", Budget.UNLIMITED));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, keptWith("gvote:samples=0,window=1", Budget.UNLIMITED));
        // cap=budget, B=3, window=1: position 4 is protected (ranks first); then one vote each for 0,1,2,3:
        // ties go to the lower positions 0 and 1.
        assertArrayEquals(new int[] {0, 1, 4}, keptWith("gvote:samples=0,window=1,cap=budget", Budget.entries(3)));
    }

    private static int[] keptWith(String spec, Budget budget) {
        KvPolicy policy = PolicyRegistry.create(spec, budget);
        PolicyContext context = HandMadeCache.context(1, 2, 1, 2, policy);
        PolicyCache cache = (PolicyCache) context.cache();
        AttentionListener listener = policy.beginPrefill(context, 5);
        HandMadeCache.fill(context, 0, 5);
        listener.onAttention(row(context, 0, 0, 3, 0.25f, 0.25f, 0.25f, 0.25f)); // not the last row: no vote
        listener.onAttention(row(context, 0, 0, 4, 0.6f, 0.1f, 0.02f, 0.25f, 0.03f));
        listener.onAttention(row(context, 0, 1, 4, 0.01f, 0.01f, 0.96f, 0.01f, 0.01f));
        policy.endPrefill(context, cache);
        return positions(cache.head(0, 0));
    }

    @Test
    void aPolicyWithoutVotersIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("gvote:samples=0,real-query=false", Budget.UNLIMITED));
        assertEquals("gvote with samples=0 and real-query=false has no voter", e.getMessage());
    }

    /**
     * covariance=full on stories260K (D = 64, a prompt of over 100 tokens): every (layer, KV head) keeps
     * at least what the real query alone votes for (the union only grows with voters), the same seed
     * keeps the same entries, and the realised keep fraction is reported and at most 1.
     */
    @Test
    void fullCovarianceVotesOnARealModel() {
        try (LoadedModel loaded = StoragePolicyRuns.load()) {
            int[] prompt = StoragePolicyRuns.prompt(loaded);
            PolicyLane realOnly = prefilled(loaded, prompt, "gvote:samples=0");
            PolicyLane full = prefilled(loaded, prompt, "gvote:covariance=full,samples=16,seed=5");
            PolicyLane again = prefilled(loaded, prompt, "gvote:covariance=full,samples=16,seed=5");
            var c = loaded.model().config();
            long moreThanRealQuery = 0;
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    int[] base = HandMadeCache.positions(realOnly.cache().head(l, g));
                    int[] kept = HandMadeCache.positions(full.cache().head(l, g));
                    assertArrayEquals(kept, HandMadeCache.positions(again.cache().head(l, g)), "layer " + l + " head " + g);
                    for (int p : base) {
                        assertTrue(Arrays.binarySearch(kept, p) >= 0, "layer " + l + " KV head " + g + " lost " + p);
                    }
                    moreThanRealQuery += kept.length - base.length;
                }
            }
            assertTrue(moreThanRealQuery > 0, "16 sampled voters added no entry anywhere");
            double fraction = ((GVotePolicy) full.cache().policy()).lastKeepFraction();
            assertTrue(fraction > 0 && fraction <= 1, "keep fraction " + fraction);
        }
    }

    private static PolicyLane prefilled(LoadedModel loaded, int[] prompt, String spec) {
        PolicyLane lane = new PolicyLane(loaded.model(), PolicyRegistry.create(spec, Budget.UNLIMITED));
        lane.prefill(prompt, null, false);
        return lane;
    }
}
