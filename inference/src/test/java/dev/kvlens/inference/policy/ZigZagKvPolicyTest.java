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
 * Two layers of one head, n = 10, w = 2, kernel 1, B = 6 (base 4, total 8 selected). Row 8 attends to itself.
 * <pre>
 * layer 0, row 9: .5 at j0 and j1           -> sums j0 .5, j1 .5, j8 1 (total 2): 90% = 1.8 needs 1 + .5 + .5 -> 3 entries
 * layer 1, row 9: .125 at j0..j7            -> sums .125 x 8, j8 1: 1 + 7 * .125 = 1.875 >= 1.8 -> 8 entries
 * min-share .2: floor(.2 * 4) = 0 each; 8 split 3 : 8 -> 2.18 and 5.82 -> floors 2, 5, the last unit to
 * the larger remainder (layer 1) -> [2, 6]
 * layer 0 keeps j0, j1 + window; layer 1's scores all tie -> j0..j5 + window.
 * </pre>
 */
class ZigZagKvPolicyTest {

    @Test
    void uncertainLayersGetMoreBudget() {
        KvPolicy policy = PolicyRegistry.create("zigzagkv:window=2,kernel=1", Budget.entries(6));
        PolicyContext ctx = context(2, 1, 1, 2, policy);
        fill(ctx, 0, 10);
        AttentionListener listener = policy.beginPrefill(ctx, 10);
        float[][] last = {{.5f, .5f, 0, 0, 0, 0, 0, 0, 0, 0},
                          {.125f, .125f, .125f, .125f, .125f, .125f, .125f, .125f, 0, 0}};
        for (int l = 0; l < 2; l++) {
            listener.onAttention(row(ctx, l, 0, 8, selfOnly(8)));
            listener.onAttention(row(ctx, l, 0, 9, last[l]));
        }
        policy.endPrefill(ctx, WindowPolicyFixture.cache(ctx));
        assertArrayEquals(new int[] {0, 1, 8, 9}, positions(ctx.cache().head(0, 0)));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 8, 9}, positions(ctx.cache().head(1, 0)));
    }

    @Test
    void labelledAsAReconstruction() {
        PolicyDescriptor d = PolicyRegistry.factory("zigzagkv").descriptor();
        assertTrue(d.reconstruction() && d.displayName().endsWith("-like"));
    }
}
