package dev.kvlens.inference.policy;

import static dev.kvlens.inference.policy.WindowPolicyFixture.context;
import static dev.kvlens.inference.policy.WindowPolicyFixture.fill;
import static dev.kvlens.inference.policy.WindowPolicyFixture.positions;
import static dev.kvlens.inference.policy.WindowPolicyFixture.row;
import static dev.kvlens.inference.policy.WindowPolicyFixture.selfOnly;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kvlens.inference.model.AttentionListener;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AdaKvPolicyTest {

    /** One layer, 2 query heads on 2 KV heads (G = 1); row n-2 attends only to itself, row n-1 as given. */
    private static PolicyContext run(String spec, Budget budget, int n, float[] lastRowHead0, float[] lastRowHead1) {
        KvPolicy policy = PolicyRegistry.create(spec, budget);
        PolicyContext ctx = context(1, 2, 2, 2, policy);
        fill(ctx, 0, n);
        AttentionListener listener = policy.beginPrefill(ctx, n);
        listener.onAttention(row(ctx, 0, 0, n - 2, selfOnly(n - 2)));
        listener.onAttention(row(ctx, 0, 1, n - 2, selfOnly(n - 2)));
        listener.onAttention(row(ctx, 0, 0, n - 1, lastRowHead0));
        listener.onAttention(row(ctx, 0, 1, n - 1, lastRowHead1));
        policy.endPrefill(ctx, WindowPolicyFixture.cache(ctx));
        return ctx;
    }

    /**
     * n = 20, w = 2, kernel 1, B = 12: B' = 10, T = 2 * 10 = 20, alpha 0.2 -> floor(0.2 * 10) = 2.
     * <pre>
     * row 19, head 0 (concentrated): j0 .30, j1 .20, j2 .10, j3 .08, j4..j17 .01 each | 18: .10, 19: .08
     * row 19, head 1 (dispersed):    j0..j11 .05 each, j12..j17 .04 each          | 18: .08, 19: .08
     * mean over the 2 window rows (row 18 gives the prefix nothing): head 0 .15 .10 .05 .04 .005...,
     * head 1 .025 x 12, .02 x 6.
     * global top 20: head 0's four (> .025), head 1's twelve .025, then 4 of head 1's .02 -> c = [4, 16]
     * c' = round(c (1 - .2) + 2) = [round(5.2), round(14.8)] = [5, 15]
     * head 0 keeps j0..j3 + the lowest of its tied .005 (j4) + window: {0..4, 18, 19}
     * head 1 keeps j0..j11 + j12, j13, j14 (lowest of the tied .02) + window: {0..14, 18, 19}
     * </pre>
     */
    @Test
    void concentratedHeadsGiveBudgetToDispersedOnes() {
        float[] h0 = new float[20];
        h0[0] = .30f;
        h0[1] = .20f;
        h0[2] = .10f;
        h0[3] = .08f;
        Arrays.fill(h0, 4, 18, .01f);
        h0[18] = .10f;
        h0[19] = .08f;
        float[] h1 = new float[20];
        Arrays.fill(h1, 0, 12, .05f);
        Arrays.fill(h1, 12, 18, .04f);
        h1[18] = .08f;
        h1[19] = .08f;
        PolicyContext ctx = run("adakv:window=2,kernel=1", Budget.entries(12), 20, h0, h1);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 18, 19}, positions(ctx.cache().head(0, 0)));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 18, 19},
                positions(ctx.cache().head(0, 1)));
    }

    /**
     * Two identical heads, n = 10, w = 2, B = 5: B' = 3, T = 6, every prefix score equal (.125 / 2).
     * Equal scores go to the lower head: c = [6, 0]; floor(0.2 * 3) = 0; faithful c' = [round(4.8), 0] = [5, 0]
     * -> head 0 {0..4, 8, 9}, head 1 only the window {8, 9} (total 5, not 6: the paper's rounding).
     * Largest remainder (non-paper): floors [4, 0] sum 4, two units left: head 0 (.8) then head 1 (.0)
     * -> [5, 1]: head 1 keeps its best, all tied, so the lowest position 0.
     */
    @Test
    void equalScoresGoToTheLowerHeadAndRoundingIsAnOption() {
        float[] uniform = new float[10];
        Arrays.fill(uniform, 0, 8, .125f);
        PolicyContext faithful = run("adakv:window=2,kernel=1", Budget.entries(5), 10, uniform, uniform);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 8, 9}, positions(faithful.cache().head(0, 0)));
        assertArrayEquals(new int[] {8, 9}, positions(faithful.cache().head(0, 1)));
        PolicyContext exact = run("adakv:window=2,kernel=1,rounding=largest-remainder", Budget.entries(5), 10,
                uniform, uniform);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 8, 9}, positions(exact.cache().head(0, 0)));
        assertArrayEquals(new int[] {0, 8, 9}, positions(exact.cache().head(0, 1)));
    }

    /** skip=1 leaves layer 0 at the uniform B' = 3 per head: both heads keep {0, 1, 2, 8, 9}. */
    @Test
    void skippedLayersUseTheUniformShare() {
        float[] uniform = new float[10];
        Arrays.fill(uniform, 0, 8, .125f);
        PolicyContext ctx = run("adakv:window=2,kernel=1,skip=1", Budget.entries(5), 10, uniform, uniform);
        assertArrayEquals(new int[] {0, 1, 2, 8, 9}, positions(ctx.cache().head(0, 0)));
        assertArrayEquals(new int[] {0, 1, 2, 8, 9}, positions(ctx.cache().head(0, 1)));
    }
}
