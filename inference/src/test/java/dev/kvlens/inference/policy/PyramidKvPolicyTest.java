package dev.kvlens.inference.policy;

import static dev.kvlens.inference.policy.WindowPolicyFixture.context;
import static dev.kvlens.inference.policy.WindowPolicyFixture.fill;
import static dev.kvlens.inference.policy.WindowPolicyFixture.positions;
import static dev.kvlens.inference.policy.WindowPolicyFixture.row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvlens.inference.model.AttentionListener;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PyramidKvPolicyTest {

    /**
     * POLICIES.md 6's worked example: L = 32, B = 128, w = 8 (long prompt): base 120, min 6, max 234,
     * step floor(228 / 31) = 7, caps 234, 227, ..., 234 - 7*31 = 17 (+ the window), total 4016.
     */
    @Test
    void factoryIntegerScheduleMatchesTheSpecExample() {
        int[] kept = PyramidSchedule.FACTORY_INT.kept(5000, 128, 8, 32, 20);
        assertEquals(234 + 8, kept[0]);
        assertEquals(227 + 8, kept[1]);
        assertEquals(17 + 8, kept[31]);
        assertEquals(4016, IntStream.of(kept).sum() - 32 * 8);
    }

    /**
     * L = 3, B = 10, w = 2 (base 8, min floor(8/20) = 0, max 16):
     * n = 20: step 8, caps 16, 8, 0 -> kept 18, 10, 2.
     * n = 17: max 16 >= n - w = 15, so max = 15, min = 16 - 15 = 1, step 7: caps 15, 8, 1 -> 17, 10, 3.
     * n = 15 < 2 * base: plain SnapKV, 10 everywhere.
     */
    @Test
    void factoryScheduleClampsAndFallsBack() {
        assertArrayEquals(new int[] {18, 10, 2}, PyramidSchedule.FACTORY_INT.kept(20, 10, 2, 3, 20));
        assertArrayEquals(new int[] {17, 10, 3}, PyramidSchedule.FACTORY_INT.kept(17, 10, 2, 3, 20));
        assertArrayEquals(new int[] {10, 10, 10}, PyramidSchedule.FACTORY_INT.kept(15, 10, 2, 3, 20));
    }

    /**
     * kvpress floats, L = 3, B = 40, beta = 20: min 2, max 78, step 38 -> 78, 40, 2 (window included);
     * with w = 4, min 2 < w fails kvpress's condition -> SnapKV's 40 everywhere.
     */
    @Test
    void kvpressFloatSchedule() {
        assertArrayEquals(new int[] {78, 40, 2}, PyramidSchedule.KVPRESS_FLOAT.kept(100, 40, 2, 3, 20));
        assertArrayEquals(new int[] {40, 40, 40}, PyramidSchedule.KVPRESS_FLOAT.kept(100, 40, 4, 3, 20));
    }

    /**
     * Two layers, one head, n = 12, w = 2, kernel 1 (no pooling), B = 5: base 3, min 0, max 6, step 6,
     * caps 6 and 0. Same rows in both layers:
     * <pre>
     * row 10: .10 .00 .05 .20 .00 .15 .00 .10 .05 .05 | .30
     * row 11: .00 .10 .05 .00 .05 .10 .05 .00 .20 .05 | .20 .20
     * sums j = 0..9: .10 .10 .10 .20 .05 .25 .05 .10 .25 .10
     * layer 0, top 6: j5, j8 (.25), j3 (.20), then the .10s at 0, 1, 2, 7, 9 -> lowest 0, 1, 2
     *   kept {0, 1, 2, 3, 5, 8, 10, 11};  layer 1 keeps only the window {10, 11}.
     * </pre>
     */
    @Test
    void layersKeepTheirPyramidShare() {
        float[] row10 = {.10f, 0, .05f, .20f, 0, .15f, 0, .10f, .05f, .05f, .30f};
        float[] row11 = {0, .10f, .05f, 0, .05f, .10f, .05f, 0, .20f, .05f, .20f, .20f};
        KvPolicy policy = PolicyRegistry.create("pyramidkv:window=2,kernel=1", Budget.entries(5));
        PolicyContext ctx = context(2, 1, 1, 2, policy);
        fill(ctx, 0, 12);
        AttentionListener listener = policy.beginPrefill(ctx, 12);
        for (int l = 0; l < 2; l++) {
            listener.onAttention(row(ctx, l, 0, 10, row10));
            listener.onAttention(row(ctx, l, 0, 11, row11));
        }
        policy.endPrefill(ctx, WindowPolicyFixture.cache(ctx));
        assertArrayEquals(new int[] {0, 1, 2, 3, 5, 8, 10, 11}, positions(ctx.cache().head(0, 0)));
        assertArrayEquals(new int[] {10, 11}, positions(ctx.cache().head(1, 0)));
    }
}
