package dev.kvlens.inference.policy;

import static dev.kvlens.inference.policy.WindowPolicyFixture.context;
import static dev.kvlens.inference.policy.WindowPolicyFixture.fill;
import static dev.kvlens.inference.policy.WindowPolicyFixture.positions;
import static dev.kvlens.inference.policy.WindowPolicyFixture.row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.model.AttentionListener;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SnapKV on a hand-made prompt: n = 10, w = 2, one layer, 2 query heads sharing 1 KV head (G = 2).
 * <pre>
 * window rows (positions 8 and 9), weights on keys 0..8 / 0..9:
 *   head 0, row 8: .05 .30 .05 .05 .05 .20 .05 .05 .20
 *   head 0, row 9: .10 .10 .05 .05 .05 .10 .05 .10 .30 .10
 *   head 1, row 8: .40 .05 .05 .05 .05 .05 .05 .10 .20
 *   head 1, row 9: .20 .05 .05 .05 .05 .05 .05 .10 .20 .20
 * sum over the window, prefix j = 0..7:
 *   head 0: .15 .40 .10 .10 .10 .30 .10 .15
 *   head 1: .60 .10 .10 .10 .10 .10 .10 .20
 * mean over the group (variant 3 reduces first):
 *   v:      .375 .25 .10 .10 .10 .20 .10 .175
 * max pool, kernel 3, over the prefix only (-inf padding; position 8 is NOT a neighbour of 7):
 *   u:      .375 .375 .25 .10 .20 .20 .20 .175
 * B = 5: top B - w = 3 -> j0 (.375), j1 (.375), j2 (.25); kept {0, 1, 2} + window {8, 9}.
 * (Pooling the window in would give u7 = max(.10, .175, mean column 8 = (.50 + .40) / 2 = .45) and keep 7.)
 * B = 6: top 4 -> also one of the tied .20 at j4, j5, j6: the lowest position, 4.
 * </pre>
 */
class SnapKvPolicyTest {

    private static final float[][] HEAD0 = {
            {.05f, .30f, .05f, .05f, .05f, .20f, .05f, .05f, .20f},
            {.10f, .10f, .05f, .05f, .05f, .10f, .05f, .10f, .30f, .10f}};
    private static final float[][] HEAD1 = {
            {.40f, .05f, .05f, .05f, .05f, .05f, .05f, .10f, .20f},
            {.20f, .05f, .05f, .05f, .05f, .05f, .05f, .10f, .20f, .20f}};

    /** Runs the worked example through the policy the way a lane does; returns the kept positions. */
    static int[] run(String spec, Budget budget) {
        KvPolicy policy = PolicyRegistry.create(spec, budget);
        PolicyContext ctx = context(1, 2, 1, 2, policy);
        fill(ctx, 0, 10);
        AttentionListener listener = policy.beginPrefill(ctx, 10);
        assertFalse(listener.wants(0, 7), "rows before the window are not needed");
        assertTrue(listener.wants(0, 8));
        for (int r = 0; r < 2; r++) {
            listener.onAttention(row(ctx, 0, 0, 8 + r, HEAD0[r]));
            listener.onAttention(row(ctx, 0, 1, 8 + r, HEAD1[r]));
        }
        policy.endPrefill(ctx, WindowPolicyFixture.cache(ctx));
        return positions(ctx.cache().head(0, 0));
    }

    @Test
    void keepsTopPooledPrefixPlusWindow() {
        assertArrayEquals(new int[] {0, 1, 2, 8, 9}, run("snapkv:window=2,kernel=3", Budget.entries(5)));
    }

    @Test
    void tiedPooledScoresGoToTheLowerPosition() {
        assertArrayEquals(new int[] {0, 1, 2, 4, 8, 9}, run("snapkv:window=2,kernel=3", Budget.entries(6)));
    }

    /**
     * kvpress variant: pool each head, then mean.
     * head 0 pooled: .40 .40 .40 .10 .30 .30 .30 .15; head 1 pooled: .60 .60 .10 .10 .10 .10 .20 .20;
     * mean: .50 .50 .25 .10 .20 .20 .25 .175 -> top 4 = j0, j1, then the tie .25 at j2 and j6 -> {0, 1, 2, 6}.
     */
    @Test
    void kvpressVariantPoolsBeforeReducing() {
        assertArrayEquals(new int[] {0, 1, 2, 6, 8, 9},
                run("snapkv:window=2,kernel=3,gqa-variant=kvpress", Budget.entries(6)));
    }

    /**
     * Average pooling counts the padded zeros: u0 = (0 + .375 + .25)/3 = .208, u1 = (.375+.25+.10)/3 = .242,
     * u2 = .15, u3 = .10, u4 = u5 = .133, u6 = (.20+.10+.175)/3 = .158, u7 = (.10+.175+0)/3 = .092
     * -> top 3 = j1, j0, j6.
     */
    @Test
    void averagePoolingCountsPadding() {
        assertArrayEquals(new int[] {0, 1, 6, 8, 9}, run("snapkv:window=2,kernel=3,pooling=avg", Budget.entries(5)));
    }

    /** Fraction 0.5 of n = 10 is B = 5: the same pick as entries(5). */
    @Test
    void fractionBudgetsResolveAgainstThePrompt() {
        assertArrayEquals(new int[] {0, 1, 2, 8, 9}, run("snapkv:window=2,kernel=3", Budget.fraction(0.5)));
    }

    @Test
    void shortPromptsAreNotCompressed() {
        KvPolicy policy = PolicyRegistry.create("snapkv:window=2,kernel=3", Budget.entries(10));
        PolicyContext ctx = context(1, 2, 1, 2, policy);
        fill(ctx, 0, 10);
        assertNull(policy.beginPrefill(ctx, 10), "n <= B: nothing to observe");
        List<EvictionRecord> records = new ArrayList<>();
        WindowPolicyFixture.cache(ctx).onDecision(records::add);
        policy.endPrefill(ctx, WindowPolicyFixture.cache(ctx));
        assertEquals(10, ctx.cache().head(0, 0).size());
        assertTrue(records.isEmpty());
    }

    @Test
    void budgetNotAboveTheWindowIsRefusedNamingW() {
        var atCreate = assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("snapkv", Budget.entries(32)));
        assertTrue(atCreate.getMessage().contains("w = 32"), atCreate.getMessage());
        KvPolicy policy = PolicyRegistry.create("snapkv:window=2,kernel=3", Budget.fraction(0.2));
        PolicyContext ctx = context(1, 2, 1, 2, policy);
        fill(ctx, 0, 10);
        var atPrefill = assertThrows(IllegalArgumentException.class,
                () -> policy.endPrefill(ctx, WindowPolicyFixture.cache(ctx)));
        assertTrue(atPrefill.getMessage().contains("w = 2"), atPrefill.getMessage());
    }

    @Test
    void evictionsAreRecordedWithTheBudget() {
        KvPolicy policy = PolicyRegistry.create("snapkv:window=2,kernel=3", Budget.entries(5));
        PolicyContext ctx = context(1, 2, 1, 2, policy);
        fill(ctx, 0, 10);
        List<EvictionRecord> records = new ArrayList<>();
        WindowPolicyFixture.cache(ctx).onDecision(records::add);
        AttentionListener listener = policy.beginPrefill(ctx, 10);
        for (int r = 0; r < 2; r++) {
            listener.onAttention(row(ctx, 0, 0, 8 + r, HEAD0[r]));
            listener.onAttention(row(ctx, 0, 1, 8 + r, HEAD1[r]));
        }
        policy.endPrefill(ctx, WindowPolicyFixture.cache(ctx));
        assertEquals(1, records.size());
        assertArrayEquals(new int[] {3, 4, 5, 6, 7}, records.getFirst().evicted());
        assertEquals(5, records.getFirst().budget());
    }

    @Test
    void badOptionsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("snapkv:kernel=4", Budget.entries(64)));
        assertTrue(e.getMessage().contains("odd"), e.getMessage());
        var v = assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("snapkv:gqa-variant=repeat", Budget.entries(64)));
        assertTrue(v.getMessage().contains("kv-head, kvpress"), v.getMessage());
    }
}
