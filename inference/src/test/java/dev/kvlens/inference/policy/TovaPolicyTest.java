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
import org.junit.jupiter.api.Test;

class TovaPolicyTest {

    /**
     * One layer, four query heads over two KV heads (G = 2), prompt n = 5, B = 3. Only the last prompt
     * token's row counts (earlier rows are refused by wants()):
     * <pre>
     * head 0 (KV 0)  .4 .1 .1 .2 .2
     * head 1 (KV 0)  .2 .1 .3 .1 .3
     * head 2 (KV 1)  .1 .5 .1 .1 .2
     * head 3 (KV 1)  .3 .3 .1 .2 .1
     * mean of all    .25 .25 .15 .15 .2     -> layer keeps 0, 1, 4 in both KV heads
     * mean KV 0      .3 .1 .2 .15 .25       -> per head: 0, 2, 4
     * mean KV 1      .2 .4 .1 .15 .15       -> per head: 0, 1 and the tie 3/4 goes to the lower position, 3
     * </pre>
     */
    static final float[][] LAST = {
            {.4f, .1f, .1f, .2f, .2f}, {.2f, .1f, .3f, .1f, .3f}, {.1f, .5f, .1f, .1f, .2f}, {.3f, .3f, .1f, .2f, .1f}};

    private static PolicyContext prefilled(KvPolicy policy, float[]... last) {
        PolicyContext context = HandMadeCache.context(1, 4, 2, 2, policy);
        AttentionListener listener = policy.beginPrefill(context, 5);
        for (int i = 0; i < 5; i++) {
            append(context, i);
            if (i < 4) {
                // Earlier rows that would keep 2 and 3 if they were counted.
                float[] decoy = new float[i + 1];
                decoy[Math.min(i, 2)] = 1;
                assertTrue(listener == null || !listener.wants(0, i), "rows before the last are not needed");
                feed(listener, context, 0, i, decoy, decoy, decoy, decoy);
            } else {
                feed(listener, context, 0, i, last);
            }
        }
        policy.endPrefill(context, (PolicyCache) context.cache());
        return context;
    }

    @Test
    void prefillKeepsTheTopOfTheLastQueryAveragedOverAllHeads() {
        PolicyContext context = prefilled(PolicyRegistry.create("tova", Budget.entries(3)), LAST);
        assertArrayEquals(new int[] {0, 1, 4}, positions(context.cache().head(0, 0)));
        assertArrayEquals(new int[] {0, 1, 4}, positions(context.cache().head(0, 1)));
    }

    @Test
    void perHeadSelectionAveragesEachGroup() {
        PolicyContext context = prefilled(PolicyRegistry.create("tova:selection=head", Budget.entries(3)), LAST);
        assertArrayEquals(new int[] {0, 2, 4}, positions(context.cache().head(0, 0)));
        assertArrayEquals(new int[] {0, 1, 3}, positions(context.cache().head(0, 1)));
    }

    /**
     * After prefill: 0, 1, 4. Step at 5 (entries 0, 1, 4, 5), rows
     * h0 (.1 .3 .3 .3), h1 (.1 .5 .2 .2), h2 (.2 .2 .2 .4), h3 (.2 .4 .2 .2): sums 0: .6, 1: 1.4, 4: .9,
     * 5: 1.1, so the first position goes, although it was a sink for the prompt: only the newest query counts.
     */
    @Test
    void eachStepDropsWhatTheNewestQueryAttendsToLeast() {
        KvPolicy policy = PolicyRegistry.create("tova", Budget.entries(3));
        PolicyContext context = prefilled(policy, LAST);
        AttentionListener listener = policy.beginStep(context, 5);
        append(context, 5);
        feed(listener, context, 0, 5, new float[] {.1f, .3f, .3f, .3f}, new float[] {.1f, .5f, .2f, .2f},
                new float[] {.2f, .2f, .2f, .4f}, new float[] {.2f, .4f, .2f, .2f});
        policy.endStep(context, 5, (PolicyCache) context.cache());
        assertArrayEquals(new int[] {1, 4, 5}, positions(context.cache().head(0, 0)));
        assertArrayEquals(new int[] {1, 4, 5}, positions(context.cache().head(0, 1)));
    }

    /**
     * Every head's last row (.3 .3 .2 .15 .05): the top 3 are 0, 1, 2; with keep-last the newest
     * (position 4) stays and only the best 2 of the rest, 0 and 1. At the next step every head gives
     * the newest entry (5) the least, (.3 .3 .3 .1): without protection 5 itself would go; with it, the
     * lowest of the others goes, the tie 0/1/4 at .3 resolved by dropping the highest position, 4.
     */
    @Test
    void keepLastProtectsTheNewestEntry() {
        float[] row = {.3f, .3f, .2f, .15f, .05f};
        PolicyContext plain = prefilled(PolicyRegistry.create("tova", Budget.entries(3)), row, row, row, row);
        assertArrayEquals(new int[] {0, 1, 2}, positions(plain.cache().head(0, 0)));
        KvPolicy policy = PolicyRegistry.create("tova:keep-last=true", Budget.entries(3));
        PolicyContext context = prefilled(policy, row, row, row, row);
        assertArrayEquals(new int[] {0, 1, 4}, positions(context.cache().head(0, 1)));
        AttentionListener listener = policy.beginStep(context, 5);
        append(context, 5);
        float[] next = {.3f, .3f, .3f, .1f};
        feed(listener, context, 0, 5, next, next, next, next);
        policy.endStep(context, 5, (PolicyCache) context.cache());
        assertArrayEquals(new int[] {0, 1, 5}, positions(context.cache().head(0, 0)));
    }

    /**
     * stories260K, B = 32: after prefill the kept set of every layer must be the top 32 of the last
     * prompt token's attention averaged over the layer's heads, recomputed here from a FullKV run;
     * then 20 steps keep exactly 32, the same set in every KV head of a layer.
     */
    @Test
    void storiesEndToEnd() {
        try (LoadedModel loaded = OnlineLaneFixture.stories()) {
            int[] prompt = OnlineLaneFixture.prompt(loaded);
            int n = prompt.length;
            var c = loaded.config();
            double[][] last = new double[c.layers()][n];
            PolicyLane full = new PolicyLane(loaded.model(), FullKvPolicy.create());
            full.prefill(prompt, new AttentionListener() {
                @Override
                public void onAttention(HeadAttention a) {
                    if (a.position() == n - 1) {
                        for (int j = 0; j < a.entries(); j++) {
                            last[a.layer()][j] += a.weights()[j] / c.heads();
                        }
                    }
                }
            }, false);
            PolicyLane lane = new PolicyLane(loaded.model(), PolicyRegistry.create("tova", Budget.entries(32)));
            float[] logits = lane.prefill(prompt, null, false);
            for (int l = 0; l < c.layers(); l++) {
                float[] score = new float[n];
                for (int j = 0; j < n; j++) {
                    score[j] = (float) last[l][j];
                }
                int[] expected = Ranking.top(score, null, 32);
                for (int g = 0; g < c.kvHeads(); g++) {
                    assertArrayEquals(expected, positions(lane.cache().head(l, g)), "layer " + l + " KV head " + g);
                }
            }
            for (int s = 0; s < 20; s++) {
                assertTrue(OnlineLaneFixture.finite(logits));
                logits = lane.step(OnlineLaneFixture.argmax(logits), null);
                for (int l = 0; l < c.layers(); l++) {
                    int[] first = positions(lane.cache().head(l, 0));
                    assertEquals(32, first.length);
                    for (int g = 1; g < c.kvHeads(); g++) {
                        assertArrayEquals(first, positions(lane.cache().head(l, g)));
                    }
                }
            }
            long perEntry = 2L * c.headDim() * Float.BYTES + Integer.BYTES;
            // 32 entries held, plus room for the one a step adds before it evicts (max(1, 32/32)).
            assertEquals((long) c.layers() * c.kvHeads() * 33 * perEntry, lane.cache().bytes());
            KvHeadStore store = lane.cache().head(c.layers() - 1, 0);
            assertTrue(store.position(store.size() - 1) <= lane.nextPosition() - 1);
        }
    }
}
