package dev.kvlens.inference.policy;

import static dev.kvlens.inference.policy.OnlineLaneFixture.append;
import static dev.kvlens.inference.policy.OnlineLaneFixture.feed;
import static dev.kvlens.inference.policy.OnlineLaneFixture.positions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CormPolicyTest {

    /**
     * One layer, two query heads on one KV head (G = 2), w = 2, r = 1, prompt n = 4. A key is minor for
     * query i when the group MEAN of its attention is below 1/t_i (t_i = i + 1 here):
     * <pre>
     * i  t  threshold  head 0            head 1            mean              counters after i
     * 0  1  1          1                 1                 1                 0
     * 1  2  .5         .9 .1             .7 .3             .8 .2             0 1
     * 2  3  .333       .5 .1 .4          .7 .1 .2          .6 .1 .3          0 2 1
     * 3  4  .25        .2 .1 .3 .4       .4 .1 .1 .4       .3 .1 .2 .4       0 3 2 0
     * </pre>
     * At i = 2 key 2 is not minor for head 0 (.4) but its group mean (.3) is. End of prefill: the
     * newest (3) is protected; keys 1 and 2 reached w = 2 and go: kept 0, 3.
     */
    static final float[][][] PROMPT = {
            {{1}, {1}},
            {{.9f, .1f}, {.7f, .3f}},
            {{.5f, .1f, .4f}, {.7f, .1f, .2f}},
            {{.2f, .1f, .3f, .4f}, {.4f, .1f, .1f, .4f}}};

    private static PolicyContext prefilled(KvPolicy policy) {
        PolicyContext context = HandMadeCache.context(1, 2, 1, 2, policy);
        AttentionListener listener = policy.beginPrefill(context, PROMPT.length);
        for (int i = 0; i < PROMPT.length; i++) {
            append(context, i);
            feed(listener, context, 0, i, PROMPT[i]);
        }
        policy.endPrefill(context, (PolicyCache) context.cache());
        return context;
    }

    private static void step(KvPolicy policy, PolicyContext context, int position, float[]... rows) {
        AttentionListener listener = policy.beginStep(context, position);
        append(context, position);
        feed(listener, context, 0, position, rows);
        policy.endStep(context, position, (PolicyCache) context.cache());
    }

    @Test
    void evictsKeysMinorForTheLastWQueries() {
        KvPolicy policy = PolicyRegistry.create("corm:window=2,recent=1", Budget.UNLIMITED);
        PolicyContext context = prefilled(policy);
        assertArrayEquals(new int[] {0, 3}, positions(context.cache().head(0, 0)));
        assertEquals(2 * Integer.BYTES, policy.bookkeepingBytes());
        assertEquals("CORM-like", policy.descriptor().displayName());
    }

    /**
     * Entries 0, 3, 4 (t = 3, threshold 1/3), rows (.5 .2 .3) and (.5 .4 .1), mean (.5 .3 .2): key 3 is
     * minor once (counter 1), nothing goes. Entries 0, 3, 4, 5 (t = 4, threshold .25), both rows
     * (.6 .1 .2 .1): 3 and 4 reach 2 and go; 5 is the protected newest. Kept 0, 5.
     */
    @Test
    void decodingStepsCountOnAndEvict() {
        KvPolicy policy = PolicyRegistry.create("corm:window=2,recent=1", Budget.UNLIMITED);
        PolicyContext context = prefilled(policy);
        step(policy, context, 4, new float[] {.5f, .2f, .3f}, new float[] {.5f, .4f, .1f});
        assertArrayEquals(new int[] {0, 3, 4}, positions(context.cache().head(0, 0)));
        float[] row = {.6f, .1f, .2f, .1f};
        step(policy, context, 5, row, row);
        assertArrayEquals(new int[] {0, 5}, positions(context.cache().head(0, 0)));
    }

    /** With the prompt unobserved every counter starts at 0 at the first step: nothing can go at prefill. */
    @Test
    void promptObservationCanBeTurnedOff() {
        KvPolicy policy = PolicyRegistry.create("corm:window=2,recent=1,observe-prompt=false", Budget.UNLIMITED);
        PolicyContext context = prefilled(policy);
        assertArrayEquals(new int[] {0, 1, 2, 3}, positions(context.cache().head(0, 0)));
    }

    /**
     * stories260K with w = r = 16: the kept set after prefill is recomputed from a FullKV run's
     * attention (group mean, consecutive below-uniform counters); then 20 steps keep the 16 newest.
     */
    @Test
    void storiesEndToEnd() {
        try (LoadedModel loaded = OnlineLaneFixture.stories()) {
            int[] prompt = OnlineLaneFixture.prompt(loaded);
            int n = prompt.length;
            var c = loaded.config();
            int group = c.groupSize();
            double[][][][] rows = new double[c.layers()][c.kvHeads()][n][];
            PolicyLane full = new PolicyLane(loaded.model(), FullKvPolicy.create());
            full.prefill(prompt, new AttentionListener() {
                @Override
                public void onAttention(HeadAttention a) {
                    double[][] r = rows[a.layer()][a.kvHead()];
                    if (r[a.position()] == null) {
                        r[a.position()] = new double[a.entries()];
                    }
                    for (int j = 0; j < a.entries(); j++) {
                        r[a.position()][j] += a.weights()[j] / group;
                    }
                }
            }, false);
            PolicyLane lane = new PolicyLane(loaded.model(), PolicyRegistry.create("corm:window=16,recent=16", Budget.UNLIMITED));
            List<EvictionRecord> records = new ArrayList<>();
            lane.cache().onDecision(records::add);
            float[] logits = lane.prefill(prompt, null, false);
            int evicted = 0;
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    List<Integer> expected = new ArrayList<>();
                    for (int j = 0; j < n; j++) {
                        int run = 0;
                        for (int i = j; i < n; i++) {
                            run = rows[l][g][i][j] < 1.0 / (i + 1) ? run + 1 : 0;
                        }
                        if (j >= n - 16 || run < 16) {
                            expected.add(j);
                        }
                    }
                    evicted += n - expected.size();
                    assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(),
                            positions(lane.cache().head(l, g)), "layer " + l + " KV head " + g);
                }
            }
            assertTrue(evicted > 0, "some keys are ignored by 16 queries in a row");
            for (int s = 0; s < 20; s++) {
                assertTrue(OnlineLaneFixture.finite(logits));
                logits = lane.step(OnlineLaneFixture.argmax(logits), null);
                for (int l = 0; l < c.layers(); l++) {
                    for (int g = 0; g < c.kvHeads(); g++) {
                        KvHeadStore store = lane.cache().head(l, g);
                        assertEquals(lane.nextPosition() - 16, store.position(store.size() - 16), "recent kept");
                    }
                }
            }
            for (EvictionRecord r : records) {
                for (int p : r.evicted()) {
                    assertTrue(p < r.step() + 1 - 16, "evicted " + p + " within the recent window at step " + r.step());
                }
                assertEquals(Integer.MAX_VALUE, r.budget());
            }
            int seen = lane.nextPosition();
            double kept = RealisedKeepFraction.of(lane.cache(), seen);
            assertTrue(kept < 1 && kept > 0, "realised keep fraction " + kept);
            long entries = Math.round(kept * seen * c.layers() * c.kvHeads());
            assertEquals(entries * Integer.BYTES, lane.policy().bookkeepingBytes());
        }
    }
}
