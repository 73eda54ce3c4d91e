package dev.kvlens.inference.policy;

import static dev.kvlens.inference.policy.WindowPolicyFixture.context;
import static dev.kvlens.inference.policy.WindowPolicyFixture.fill;
import static dev.kvlens.inference.policy.WindowPolicyFixture.positions;
import static dev.kvlens.inference.policy.WindowPolicyFixture.row;
import static dev.kvlens.inference.policy.WindowPolicyFixture.selfOnly;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.model.AttentionListener;
import org.junit.jupiter.api.Test;

/**
 * Two layers of one head, n = 10, w = 2, kernel 1, B = 5: the cache may hold 2 * 5 = 10 entries, so
 * 2 * (10 - 5) = 10 prefix entries go, chosen across layers. Row 8 attends to itself; row 9:
 * <pre>
 * layer 0: .20 .18 .16 .14 .12 .10 .02 .01 -> mean over 2 rows .10 .09 .08 .07 .06 .05 .01 .005
 * layer 1: .03 x 8                         -> .015 x 8
 * lowest first: L0 j7, L0 j6, then the eight tied .015 of L1 -> evicted counts [2, 8]
 * block 2: [2, 8] stay -> layer 0 keeps j0..j5 + window, layer 1 only the window
 * block 3: rounded down to whole blocks [0, 6] -> layer 0 keeps all, layer 1 its 2 lowest positions
 * </pre>
 */
class KvCompressPolicyTest {

    private static PolicyContext run(int block) {
        KvPolicy policy = PolicyRegistry.create("kvcompress:window=2,kernel=1,block=" + block, Budget.entries(5));
        PolicyContext ctx = context(2, 1, 1, 2, policy);
        fill(ctx, 0, 10);
        AttentionListener listener = policy.beginPrefill(ctx, 10);
        float[][] last = {{.20f, .18f, .16f, .14f, .12f, .10f, .02f, .01f, 0, 0},
                          {.03f, .03f, .03f, .03f, .03f, .03f, .03f, .03f, 0, 0}};
        for (int l = 0; l < 2; l++) {
            listener.onAttention(row(ctx, l, 0, 8, selfOnly(8)));
            listener.onAttention(row(ctx, l, 0, 9, last[l]));
        }
        policy.endPrefill(ctx, WindowPolicyFixture.cache(ctx));
        return ctx;
    }

    @Test
    void evictsTheGlobalLowestInWholeBlocks() {
        PolicyContext two = run(2);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 8, 9}, positions(two.cache().head(0, 0)));
        assertArrayEquals(new int[] {8, 9}, positions(two.cache().head(1, 0)));
        PolicyContext three = run(3);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, positions(three.cache().head(0, 0)));
        assertArrayEquals(new int[] {0, 1, 8, 9}, positions(three.cache().head(1, 0)));
    }

    @Test
    void labelledAsAReconstruction() {
        PolicyDescriptor d = PolicyRegistry.factory("kvcompress").descriptor();
        assertTrue(d.reconstruction() && d.displayName().endsWith("-like"));
        assertTrue(d.paper().contains("2410.00161"));
    }
}
