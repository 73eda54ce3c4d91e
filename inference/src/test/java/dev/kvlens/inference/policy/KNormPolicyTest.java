package dev.kvlens.inference.policy;

import static dev.kvlens.inference.policy.WindowPolicyFixture.context;
import static dev.kvlens.inference.policy.WindowPolicyFixture.positions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.model.RotaryEmbedding;
import org.junit.jupiter.api.Test;

class KNormPolicyTest {

    private static void append(PolicyContext ctx, int layer, int position, float... key) {
        ctx.cache().head(layer, 0).append(position, key, 0, key, 0);
    }

    /**
     * Keys (one head, d = 2) and their norms: p0 (3,4) 5, p1 (1,0) 1, p2 (0,2) 2, p3 (6,8) 10,
     * p4 (.6,.8) 1, p5 (2,0) 2. B = 3 keeps the smallest norms: p1, p4 (1), then the tie at 2
     * between p2 and p5 -> the lower position, p2: {1, 2, 4}.
     */
    @Test
    void keepsTheSmallestNormsTiesToTheLowerPosition() {
        KvPolicy policy = PolicyRegistry.create("knorm", Budget.entries(3));
        PolicyContext ctx = context(1, 1, 1, 2, policy);
        float[][] keys = {{3, 4}, {1, 0}, {0, 2}, {6, 8}, {.6f, .8f}, {2, 0}};
        for (int p = 0; p < keys.length; p++) {
            append(ctx, 0, p, keys[p]);
        }
        policy.endPrefill(ctx, WindowPolicyFixture.cache(ctx));
        assertArrayEquals(new int[] {1, 2, 4}, positions(ctx.cache().head(0, 0)));
    }

    /**
     * The same token at positions 1, 3 and 6 (one pre-RoPE key, rotated by the engine's RoPE at each
     * position) and larger keys elsewhere; B = 2 must keep the two lowest positions of the token, 1 and 3,
     * although the rotated float keys' norms differ in the last bits (checked, so the test does bite).
     */
    @Test
    void sameTokenAtTwoPositionsTiesAndTheLowerPositionWins() {
        KvPolicy policy = PolicyRegistry.create("knorm", Budget.entries(2));
        PolicyContext ctx = context(1, 1, 1, 8, policy);
        RotaryEmbedding rope = new RotaryEmbedding(ctx.config());
        float[] token = {0.7f, -1.3f, 0.2f, 0.9f, -0.4f, 1.1f, 0.05f, -0.6f};
        float[] big = {3, 3, 3, 3, 3, 3, 3, 3};
        float[] normsF = new float[8];
        for (int p = 0; p < 8; p++) {
            boolean same = p == 1 || p == 3 || p == 6;
            float[] key = (same ? token : big).clone();
            rope.setPosition(p);
            rope.apply(key, 0, 1);
            float sq = 0;
            for (float x : key) {
                sq += x * x;
            }
            normsF[p] = (float) Math.sqrt(sq);
            append(ctx, 0, p, key);
        }
        assertTrue(normsF[1] != normsF[3] || normsF[1] != normsF[6] || normsF[3] != normsF[6],
                "the rotated copies should differ in float for this test to mean something");
        policy.endPrefill(ctx, WindowPolicyFixture.cache(ctx));
        assertArrayEquals(new int[] {1, 3}, positions(ctx.cache().head(0, 0)));
    }

    /** Two layers of 4 entries, B = 2: skip-layers=0 leaves layer 0 whole; prune-after=5 leaves both. */
    @Test
    void skippedLayersAndPruneAfter() {
        KvPolicy skip = PolicyRegistry.create("knorm:skip-layers=0", Budget.entries(2));
        PolicyContext ctx = context(2, 1, 1, 1, skip);
        for (int l = 0; l < 2; l++) {
            for (int p = 0; p < 4; p++) {
                append(ctx, l, p, 4 - p); // norms 4, 3, 2, 1: the last two are kept
            }
        }
        skip.endPrefill(ctx, WindowPolicyFixture.cache(ctx));
        assertEquals(4, ctx.cache().head(0, 0).size());
        assertArrayEquals(new int[] {2, 3}, positions(ctx.cache().head(1, 0)));

        KvPolicy late = PolicyRegistry.create("knorm:prune-after=5", Budget.entries(2));
        PolicyContext ctx2 = context(2, 1, 1, 1, late);
        for (int l = 0; l < 2; l++) {
            for (int p = 0; p < 4; p++) {
                append(ctx2, l, p, 4 - p);
            }
        }
        late.endPrefill(ctx2, WindowPolicyFixture.cache(ctx2));
        assertEquals(4, ctx2.cache().head(1, 0).size());
    }

    /**
     * schedule=every-n, interval 2, B = 2, prompt of 2 (no compression). Steps append p2 (norm 1) and
     * p3 (norm 5); after the second step (p3) the store holds norms 3, 4, 1, 5 -> keeps p2 and p0.
     */
    @Test
    void everyNRecompressesWhileDecoding() {
        KvPolicy policy = PolicyRegistry.create("knorm:schedule=every-n,interval=2", Budget.entries(2));
        PolicyContext ctx = context(1, 1, 1, 1, policy);
        append(ctx, 0, 0, 3);
        append(ctx, 0, 1, 4);
        policy.endPrefill(ctx, WindowPolicyFixture.cache(ctx));
        assertEquals(2, ctx.cache().head(0, 0).size());
        append(ctx, 0, 2, 1);
        policy.endStep(ctx, 2, WindowPolicyFixture.cache(ctx));
        assertEquals(3, ctx.cache().head(0, 0).size(), "not yet at the interval");
        append(ctx, 0, 3, -5);
        policy.endStep(ctx, 3, WindowPolicyFixture.cache(ctx));
        assertArrayEquals(new int[] {0, 2}, positions(ctx.cache().head(0, 0)));
    }

    @Test
    void badSkipLayersAreNamed() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("knorm:skip-layers=0;x", Budget.entries(2)));
        assertTrue(e.getMessage().contains("';'"), e.getMessage());
        KvPolicy policy = PolicyRegistry.create("knorm:skip-layers=0;7", Budget.entries(2));
        PolicyContext ctx = context(2, 1, 1, 1, policy);
        var m = assertThrows(IllegalArgumentException.class, () -> policy.endPrefill(ctx, WindowPolicyFixture.cache(ctx)));
        assertTrue(m.getMessage().contains("layer 7"), m.getMessage());
        assertNotEquals(null, m.getMessage());
    }
}
