package dev.kvlens.inference.policy;

import static dev.kvlens.inference.policy.OnlineLaneFixture.append;
import static dev.kvlens.inference.policy.OnlineLaneFixture.feed;
import static dev.kvlens.inference.policy.OnlineLaneFixture.positions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class H2oPolicyTest {

    /**
     * One layer, two query heads sharing one KV head (G = 2), prompt n = 6, budget B = 4: heavy
     * floor(4/2) = 2, recent 2. Column sums of the causal prompt attention:
     * <pre>
     * row  head 0                          head 1
     * 0    1                               1
     * 1    .5 .5                           .9 .1
     * 2    .2 .6 .2                        .4 .4 .2
     * 3    .1 .1 .7 .1                     .1 .3 .5 .1
     * 4    .1 0  .6 .2 .1                  .3 .1 .1 .4 .1
     * 5    .2 .2 .2 .2 .1 .1               .2 .2 .2 .2 .1 .1
     * sum  2.1 1.4 1.7 .5 .2 .1            2.9 1.1 1.0 .7 .2 .1
     * mean 2.5 1.25 1.35 .6 .2 .1
     * </pre>
     * Recent: positions 4, 5. Heavy among 0..3 by the group mean: 0 (2.5) and 2 (1.35). Head 1
     * alone would have chosen 1 over 2 (1.1 > 1.0): the reduction is the mean, not one head.
     */
    static final float[][][] PROMPT = {
            {{1}, {1}},
            {{.5f, .5f}, {.9f, .1f}},
            {{.2f, .6f, .2f}, {.4f, .4f, .2f}},
            {{.1f, .1f, .7f, .1f}, {.1f, .3f, .5f, .1f}},
            {{.1f, 0, .6f, .2f, .1f}, {.3f, .1f, .1f, .4f, .1f}},
            {{.2f, .2f, .2f, .2f, .1f, .1f}, {.2f, .2f, .2f, .2f, .1f, .1f}}};

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
    void prefillKeepsRecentAndHeavyHittersByGroupMeanColumnSums() {
        KvPolicy policy = PolicyRegistry.create("h2o", Budget.entries(4));
        PolicyContext context = prefilled(policy);
        assertArrayEquals(new int[] {0, 2, 4, 5}, positions(context.cache().head(0, 0)));
        assertEquals(2, ((H2oPolicy) policy).heavy());
        assertEquals(2, ((H2oPolicy) policy).recent());
        assertEquals(4 * Float.BYTES, policy.bookkeepingBytes(), "one float score per kept entry");
    }

    /**
     * After prefill the kept scores are 0: 2.5, 2: 1.35, 4: 0.2, 5: 0.1.
     * Step at position 6, rows head 0 (.1 .1 .5 .2 .1) and head 1 (.1 .1 .3 .2 .3), mean (.1 .1 .4 .2 .2):
     * scores 0: 2.6, 2: 1.45, 4: 0.6, 5: 0.3, 6: 0.2 (its own weight). Recent = {5, 6}; the lowest older
     * one, 4 (0.6), goes. Step at 7, both heads (0 .1 .8 .05 .05): 0: 2.6, 2: 1.55, 5: 1.1, 6: .25,
     * 7: .05; recent {6, 7}; 5 (1.1) goes although this query liked it most: accumulated scores rule.
     */
    @Test
    void everyStepAddsTheNewRowAndDropsTheLowestOlderEntry() {
        KvPolicy policy = PolicyRegistry.create("h2o", Budget.entries(4));
        PolicyContext context = prefilled(policy);
        List<EvictionRecord> records = new ArrayList<>();
        ((PolicyCache) context.cache()).onDecision(records::add);
        step(policy, context, 6, new float[] {.1f, .1f, .5f, .2f, .1f}, new float[] {.1f, .1f, .3f, .2f, .3f});
        assertArrayEquals(new int[] {0, 2, 5, 6}, positions(context.cache().head(0, 0)));
        float[] row = {0, .1f, .8f, .05f, .05f};
        step(policy, context, 7, row, row);
        assertArrayEquals(new int[] {0, 2, 6, 7}, positions(context.cache().head(0, 0)));
        assertEquals(2, records.size());
        assertArrayEquals(new int[] {4}, records.get(0).evicted());
        assertArrayEquals(new int[] {5}, records.get(1).evicted());
        assertEquals(4 * Float.BYTES, policy.bookkeepingBytes());
    }

    /**
     * One head (G = 1), n = 4, B = 2: heavy 1, recent 1 (position 3). Rows 0: (1), 1: (.6 .4),
     * 2: (.3 .2 .5), 3: (.1 .2 .6 .1). Column sums 0: 2.0, 1: 0.8, 2: 1.1, so the paper keeps 0.
     * Normalised by the rows that saw each key (n - j): 0: 2.0/4 = .5, 1: .8/3 = .27, 2: 1.1/2 = .55,
     * so the non-paper variant keeps 2.
     */
    @Test
    void normalisedVariantRemovesTheEarlyPositionBias() {
        float[][] rows = {{1}, {.6f, .4f}, {.3f, .2f, .5f}, {.1f, .2f, .6f, .1f}};
        for (String spec : new String[] {"h2o", "h2o:normalise=true"}) {
            KvPolicy policy = PolicyRegistry.create(spec, Budget.entries(2));
            PolicyContext context = HandMadeCache.context(1, 1, 1, 2, policy);
            AttentionListener listener = policy.beginPrefill(context, rows.length);
            for (int i = 0; i < rows.length; i++) {
                append(context, i);
                feed(listener, context, 0, i, rows[i]);
            }
            policy.endPrefill(context, (PolicyCache) context.cache());
            int[] expected = spec.contains("normalise") ? new int[] {2, 3} : new int[] {0, 3};
            assertArrayEquals(expected, positions(context.cache().head(0, 0)), spec);
        }
        assertEquals("H2O (normalised, non-paper)",
                PolicyRegistry.create("h2o:normalise=true", Budget.entries(2)).descriptor().displayName());
    }

    /** recent=3 with B = 4 leaves one heavy hitter: the top of 0..2 by mean column sum, position 0. */
    @Test
    void splitOptionsAndTheirLimits() {
        KvPolicy policy = PolicyRegistry.create("h2o:recent=3", Budget.entries(4));
        PolicyContext context = prefilled(policy);
        assertArrayEquals(new int[] {0, 3, 4, 5}, positions(context.cache().head(0, 0)));
        var e = assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("h2o:heavy=3,recent=3", Budget.entries(4)));
        assertTrue(e.getMessage().contains("must add up to the budget of 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("h2o:recent=-1", Budget.entries(4)));
    }

    @Test
    void shortPromptsAreKeptWhole() {
        KvPolicy policy = PolicyRegistry.create("h2o", Budget.entries(8));
        PolicyContext context = prefilled(policy);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, positions(context.cache().head(0, 0)));
    }

    /**
     * stories260K, ~170-token prompt, B = 32. Checks against an independent computation: the full
     * causal attention matrix of every head is recorded from a FullKV run, column sums are taken
     * row by row here, group means ranked, and the kept set must be the 16 newest plus the top 16.
     */
    @Test
    void storiesEndToEnd() {
        try (LoadedModel loaded = OnlineLaneFixture.stories()) {
            int[] prompt = OnlineLaneFixture.prompt(loaded);
            int n = prompt.length;
            var c = loaded.config();
            double[][][] columns = new double[c.layers()][c.heads()][n];
            PolicyLane full = new PolicyLane(loaded.model(), FullKvPolicy.create());
            full.prefill(prompt, new AttentionListener() {
                @Override
                public void onAttention(HeadAttention a) {
                    for (int j = 0; j < a.entries(); j++) {
                        columns[a.layer()][a.head()][a.cache().position(j)] += a.weights()[j];
                    }
                }
            }, false);
            PolicyLane lane = new PolicyLane(loaded.model(), PolicyRegistry.create("h2o", Budget.entries(32)));
            float[] logits = lane.prefill(prompt, null, false);
            assertTrue(OnlineLaneFixture.finite(logits));
            int group = c.groupSize();
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    float[] mean = new float[n - 16];
                    for (int j = 0; j < n - 16; j++) {
                        double s = 0;
                        for (int h = g * group; h < (g + 1) * group; h++) {
                            s += columns[l][h][j];
                        }
                        mean[j] = (float) (s / group);
                    }
                    int[] expected = Ranking.union(Ranking.top(mean, null, 16), Ranking.range(n - 16, n));
                    assertArrayEquals(expected, positions(lane.cache().head(l, g)), "layer " + l + " KV head " + g);
                }
            }
            int token = OnlineLaneFixture.argmax(logits);
            for (int s = 0; s < 20; s++) {
                logits = lane.step(token, null);
                assertTrue(OnlineLaneFixture.finite(logits));
                token = OnlineLaneFixture.argmax(logits);
                full.step(token, null);
                for (int l = 0; l < c.layers(); l++) {
                    for (int g = 0; g < c.kvHeads(); g++) {
                        KvHeadStore store = lane.cache().head(l, g);
                        assertEquals(32, store.size());
                        assertEquals(lane.nextPosition() - 16, store.position(16), "recent window kept");
                    }
                }
            }
            // Memory: 32 entries (key + value fp32 + int position) per head, plus a float score each;
            // the store keeps room for the one entry a step adds before it evicts (max(1, 32/32)).
            long perEntry = 2L * c.headDim() * Float.BYTES + Integer.BYTES;
            long heads = (long) c.layers() * c.kvHeads();
            assertEquals(heads * (33 * perEntry + 32 * Float.BYTES), lane.cache().bytes());
            full.cache().trimToSize();
            assertEquals(heads * (n + 20) * perEntry, full.cache().bytes());
        }
    }
}
