package dev.kvlens.inference.policy;

import static dev.kvlens.inference.policy.WindowPolicyFixture.context;
import static dev.kvlens.inference.policy.WindowPolicyFixture.fill;
import static dev.kvlens.inference.policy.WindowPolicyFixture.row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WindowAttentionCollectorTest {

    /**
     * n = 5, w = 2, one layer, 2 heads. Rows 3 (keys 0..3) and 4 (keys 0..4):
     * head 0: .1 .2 .3 .4 and .5 .1 .1 .1 .2 -> sums .6 .3 .4 .5 .2
     * head 1: 1 0 0 0 and 0 0 0 0 1       -> sums 1 0 0 0 1
     */
    @Test
    void sumsTheWindowRowsPerHead() {
        PolicyContext ctx = context(2, 2, 1, 2, null);
        fill(ctx, 0, 5);
        WindowAttentionCollector c = new WindowAttentionCollector(2, 2, 2, 5, 2, true, new boolean[] {true, false});
        assertFalse(c.wants(0, 2));
        assertTrue(c.wants(0, 3));
        assertFalse(c.wants(1, 4), "layer 1 is filtered out");
        assertFalse(c.wants(0, 5), "positions after the prompt are not part of the window");
        c.onAttention(row(ctx, 0, 0, 3, .1f, .2f, .3f, .4f));
        c.onAttention(row(ctx, 0, 1, 3, 1, 0, 0, 0));
        c.onAttention(row(ctx, 0, 0, 4, .5f, .1f, .1f, .1f, .2f));
        c.onAttention(row(ctx, 0, 1, 4, 0, 0, 0, 0, 1));
        double[] s0 = c.windowSum(0, 0);
        double[] expected = {.6, .3, .4, .5, .2};
        for (int j = 0; j < 5; j++) {
            assertEquals(expected[j], s0[j], 1e-6);
        }
        assertArrayEquals(new double[] {1, 0, 0, 0, 1}, c.windowSum(0, 1));
        assertEquals(2, c.windowRows());
        assertEquals(3, c.windowStart());
        assertEquals(2, c.rowsReceived(0, 1));
        // The fixture's query is (position + head/10, 0): rows 3 and 4 of head 1.
        assertArrayEquals(new float[] {3.1f, 0, 4.1f, 0}, c.windowQueries(0, 1));
        assertThrows(IllegalStateException.class, () -> c.windowSum(1, 0));
        // O(L*H*n) sums (one observed layer) plus w queries per head.
        assertEquals(2L * 5 * Double.BYTES + 2L * 2 * 2 * Float.BYTES, c.bytes());
    }

    /** Rows over a store that does not start at position 0 are added by original position. */
    @Test
    void sparseStoresAreIndexedByPosition() {
        PolicyContext ctx = context(1, 1, 1, 2, null);
        float[] kv = new float[2];
        for (int p : new int[] {1, 3, 4}) {
            ctx.cache().head(0, 0).append(p, kv, 0, kv, 0);
        }
        WindowAttentionCollector c = new WindowAttentionCollector(1, 1, 2, 5, 1, false, null);
        c.onAttention(row(ctx, 0, 0, 4, .25f, .25f, .5f));
        assertArrayEquals(new double[] {0, .25, 0, .25, .5}, c.windowSum(0, 0));
    }
}
