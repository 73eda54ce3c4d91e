package dev.kvlens.inference.policy;

import static dev.kvlens.inference.policy.OnlineLaneFixture.positions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.model.LoadedModel;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RandomPolicyTest {

    private static PolicyContext prefilled(KvPolicy policy, int kvHeads, int n) {
        PolicyContext context = HandMadeCache.context(2, kvHeads, kvHeads, 2, policy);
        policy.beginPrefill(context, n);
        HandMadeCache.fill(context, 0, n);
        policy.endPrefill(context, (PolicyCache) context.cache());
        return context;
    }

    /** The k positions in [from, to) with the highest scores, ascending: the definition, sorted here. */
    private static int[] topByScore(RandomPolicy policy, int layer, int kvHead, int from, int to, int k) {
        return IntStream.range(from, to).boxed()
                .sorted(Comparator.comparingDouble((Integer p) -> -policy.score(layer, kvHead, p)))
                .limit(k).mapToInt(Integer::intValue).sorted().toArray();
    }

    /** kvpress's m = floor(n (1 - r)): n = 10, r = 0.5 keeps 5; r = 0.55 (keep 0.45) keeps floor(4.5) = 4. */
    @Test
    void keepsFloorOfTheKeptFractionPerKvHead() {
        for (double keep : new double[] {0.5, 0.45}) {
            RandomPolicy policy = (RandomPolicy) PolicyRegistry.create("random:seed=7", Budget.fraction(keep));
            PolicyContext context = prefilled(policy, 2, 10);
            int expected = keep == 0.5 ? 5 : 4;
            for (int l = 0; l < 2; l++) {
                for (int g = 0; g < 2; g++) {
                    assertArrayEquals(topByScore(policy, l, g, 0, 10, expected), positions(context.cache().head(l, g)));
                }
            }
        }
    }

    @Test
    void scoresAreUniformAndSeeded() {
        RandomPolicy a = (RandomPolicy) PolicyRegistry.create("random:seed=1", Budget.entries(3));
        RandomPolicy b = (RandomPolicy) PolicyRegistry.create("random:seed=1", Budget.entries(3));
        RandomPolicy c = (RandomPolicy) PolicyRegistry.create("random:seed=2", Budget.entries(3));
        assertEquals(a.score(1, 2, 3), b.score(1, 2, 3));
        assertTrue(a.score(1, 2, 3) != c.score(1, 2, 3));
        // 20000 scores: mean 1/2 (sd of the mean 0.002) and every tenth of [0, 1) holds ~2000 (sd 42).
        int[] bins = new int[10];
        double sum = 0;
        for (int p = 0; p < 20000; p++) {
            double s = a.score(p % 3, p % 5, p);
            assertTrue(s >= 0 && s < 1);
            bins[(int) (s * 10)]++;
            sum += s;
        }
        assertEquals(0.5, sum / 20000, 0.01);
        for (int bin : bins) {
            assertTrue(Math.abs(bin - 2000) < 250, Arrays.toString(bins));
        }
    }

    /** Over 3000 seeds each of 10 positions is kept with probability 3/10: 900 +- 25 (sd), allow 5 sd. */
    @Test
    void everyPositionIsEquallyLikelyToStay() {
        int[] kept = new int[10];
        for (int seed = 0; seed < 3000; seed++) {
            PolicyContext context = prefilled(PolicyRegistry.create("random:seed=" + seed, Budget.entries(3)), 1, 10);
            for (int p : positions(context.cache().head(0, 0))) {
                kept[p]++;
            }
        }
        for (int count : kept) {
            assertTrue(Math.abs(count - 900) < 125, Arrays.toString(kept));
        }
    }

    @Test
    void sharedDrawGivesEveryKvHeadOfALayerTheSameSet() {
        PolicyContext shared = prefilled(PolicyRegistry.create("random:draw=layer", Budget.entries(8)), 4, 40);
        PolicyContext own = prefilled(PolicyRegistry.create("random", Budget.entries(8)), 4, 40);
        boolean differ = false;
        for (int g = 1; g < 4; g++) {
            assertArrayEquals(positions(shared.cache().head(0, 0)), positions(shared.cache().head(0, g)));
            differ |= !Arrays.equals(positions(own.cache().head(0, 0)), positions(own.cache().head(0, g)));
        }
        assertTrue(differ, "independent draws per KV head");
        assertFalse(Arrays.equals(positions(shared.cache().head(0, 0)), positions(shared.cache().head(1, 0))));
    }

    /** sinks 2 + window 2 inside m = 5: positions 0, 1, 8, 9 and the best-scored one of 2..7. */
    @Test
    void protectedSinksAndWindowCountInsideTheBudget() {
        RandomPolicy policy = (RandomPolicy) PolicyRegistry.create("random:sinks=2,window=2,seed=3", Budget.entries(5));
        PolicyContext context = prefilled(policy, 1, 10);
        int[] middle = topByScore(policy, 0, 0, 2, 8, 1);
        assertArrayEquals(new int[] {0, 1, middle[0], 8, 9}, positions(context.cache().head(0, 0)));
        var e = assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("random:sinks=3,window=3", Budget.entries(5)));
        assertTrue(e.getMessage().contains("do not fit"), e.getMessage());
    }

    /** decode=recompress, interval 2: the cache grows to 6 after one step and is back at 5 after the second. */
    @Test
    void recompressionHoldsTheBudgetWhileDecoding() {
        KvPolicy policy = PolicyRegistry.create("random:decode=recompress,interval=2", Budget.entries(5));
        PolicyContext context = prefilled(policy, 1, 10);
        for (int p = 10; p < 12; p++) {
            policy.beginStep(context, p);
            HandMadeCache.fill(context, p, p + 1);
            policy.endStep(context, p, (PolicyCache) context.cache());
            assertEquals(p == 10 ? 6 : 5, context.cache().head(0, 0).size());
        }
        KvPolicy none = PolicyRegistry.create("random", Budget.entries(5));
        PolicyContext grown = prefilled(none, 1, 10);
        none.endStep(grown, 10, (PolicyCache) grown.cache());
        HandMadeCache.fill(grown, 10, 11);
        none.endStep(grown, 11, (PolicyCache) grown.cache());
        assertEquals(6, grown.cache().head(0, 0).size(), "default: generated tokens are appended");
    }

    /** stories260K, keep 25 %: every KV head holds floor(n/4) entries; bytes shrink in the same ratio. */
    @Test
    void storiesEndToEnd() {
        try (LoadedModel loaded = OnlineLaneFixture.stories()) {
            int[] prompt = OnlineLaneFixture.prompt(loaded);
            int m = prompt.length / 4;
            var c = loaded.config();
            PolicyLane lane = new PolicyLane(loaded.model(), PolicyRegistry.create("random:seed=11", Budget.fraction(0.25)));
            PolicyLane full = new PolicyLane(loaded.model(), FullKvPolicy.create());
            float[] logits = lane.prefill(prompt, null, false);
            full.prefill(prompt, null, false);
            assertTrue(OnlineLaneFixture.finite(logits));
            RandomPolicy policy = (RandomPolicy) lane.policy();
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    assertArrayEquals(topByScore(policy, l, g, 0, prompt.length, m), positions(lane.cache().head(l, g)));
                }
            }
            long perEntry = 2L * c.headDim() * Float.BYTES + Integer.BYTES;
            long heads = (long) c.layers() * c.kvHeads();
            assertEquals(heads * m * perEntry, lane.cache().bytes());
            assertEquals(heads * prompt.length * perEntry, full.cache().bytes());
            for (int s = 0; s < 5; s++) {
                logits = lane.step(OnlineLaneFixture.argmax(logits), null);
                assertTrue(OnlineLaneFixture.finite(logits));
            }
            assertEquals(m + 5, lane.cache().head(0, 0).size());
        }
    }
}
