package dev.kvlens.inference.policy;

import static dev.kvlens.inference.policy.OnlineLaneFixture.positions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.LoadedModel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StreamingLlmPolicyTest {

    private static final int HEAD_DIM = 4;

    /** The pre-RoPE key of position p (distinct per position). */
    private static double[] rawKey(int p) {
        return new double[] {0.6, 0.8, -0.3, 0.5 + 0.01 * p};
    }

    /**
     * Independent RoPE for the hand-made config: adjacent pairs, theta 10000, d = 4, so pair 0 turns
     * by 1 rad and pair 1 by 10000^(-1/2) = 0.01 rad per position.
     */
    private static double[] rope(double[] x, double p) {
        double[] out = x.clone();
        double[] freq = {1.0, 0.01};
        for (int i = 0; i < 2; i++) {
            double a = p * freq[i];
            out[2 * i] = x[2 * i] * Math.cos(a) - x[2 * i + 1] * Math.sin(a);
            out[2 * i + 1] = x[2 * i] * Math.sin(a) + x[2 * i + 1] * Math.cos(a);
        }
        return out;
    }

    private static float[] f(double[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) x[i];
        }
        return out;
    }

    /** Appends position p with its key rotated at {@code slot}, as the engine would with the policy's shift. */
    private static void append(PolicyContext context, int p, int slot) {
        float[] key = f(rope(rawKey(p), slot));
        float[] value = {p, 0, 0, 0};
        context.cache().head(0, 0).append(p, key, 0, value, 0);
    }

    private static PolicyContext prefilled(KvPolicy policy, int n) {
        PolicyContext context = HandMadeCache.context(1, 1, 1, HEAD_DIM, policy);
        policy.beginPrefill(context, n);
        for (int p = 0; p < n; p++) {
            append(context, p, p);
        }
        policy.endPrefill(context, (PolicyCache) context.cache());
        return context;
    }

    private static void step(KvPolicy policy, PolicyContext context, int position) {
        policy.beginStep(context, position);
        append(context, position, position - policy.ropePositionShift());
        policy.endStep(context, position, (PolicyCache) context.cache());
    }

    private static void assertKeysAtSlots(KvHeadStore store) {
        float[] key = new float[HEAD_DIM];
        for (int i = 0; i < store.size(); i++) {
            store.readKey(i, key, 0);
            float[] expected = f(rope(rawKey(store.position(i)), i));
            assertArrayEquals(expected, key, 1e-5f, "entry " + i + " (position " + store.position(i) + ") at slot " + i);
        }
    }

    /** n = 10, B = 6: sinks 0..3 and the last B - 4 = 2 positions, 8 and 9; then 9 and 10 after a step. */
    @Test
    void keepsSinksAndRecentWindowEveryStep() {
        KvPolicy policy = PolicyRegistry.create("streamingllm", Budget.entries(6));
        PolicyContext context = prefilled(policy, 10);
        assertArrayEquals(new int[] {0, 1, 2, 3, 8, 9}, positions(context.cache().head(0, 0)));
        assertEquals(0, policy.ropePositionShift(), "mode b keeps original positions");
        step(policy, context, 10);
        assertArrayEquals(new int[] {0, 1, 2, 3, 9, 10}, positions(context.cache().head(0, 0)));
        // Keys untouched in mode b: still rotated at their original positions.
        float[] key = new float[HEAD_DIM];
        context.cache().head(0, 0).readKey(4, key, 0);
        assertArrayEquals(f(rope(rawKey(9), 9)), key, 1e-6f);
        assertEquals("StreamingLLM (position-preserving, mode b)", policy.descriptor().displayName());
    }

    @Test
    void decodeNoneCompressesOnlyAtPrefill() {
        KvPolicy policy = PolicyRegistry.create("streamingllm:decode=none", Budget.entries(6));
        PolicyContext context = prefilled(policy, 10);
        step(policy, context, 10);
        assertArrayEquals(new int[] {0, 1, 2, 3, 8, 9, 10}, positions(context.cache().head(0, 0)));
    }

    /**
     * Mode c: after prefill, position 8 moves from slot 8 to slot 4 and 9 from 9 to 5; each key is
     * re-rotated by -4 and must equal the raw key rotated at its new slot. The shift is 4, so the
     * next token (10) is rotated at 6; after its step 9 and 10 sit at slots 4 and 5, shift 5.
     */
    @Test
    void rerotateModeMovesKeysToTheirNewSlots() {
        KvPolicy policy = PolicyRegistry.create("streamingllm:positions=rerotate", Budget.entries(6));
        PolicyContext context = prefilled(policy, 10);
        assertKeysAtSlots(context.cache().head(0, 0));
        assertEquals(4, policy.ropePositionShift());
        step(policy, context, 10);
        assertArrayEquals(new int[] {0, 1, 2, 3, 9, 10}, positions(context.cache().head(0, 0)));
        assertKeysAtSlots(context.cache().head(0, 0));
        assertEquals(5, policy.ropePositionShift());
        assertEquals("StreamingLLM (paper, mode c)", policy.descriptor().displayName());
    }

    /**
     * Mode a: the store holds keys before RoPE and rotates entry i by slot i when read; scores are
     * q . rope(k, slot) / scale, checked against the independent rotation.
     */
    @Test
    void shiftModeRotatesPreRopeKeysBySlotAtAttention() {
        KvPolicy policy = PolicyRegistry.create("streamingllm:positions=shift", Budget.entries(6));
        PolicyContext context = prefilled(policy, 10);
        KvHeadStore store = context.cache().head(0, 0);
        assertInstanceOf(SlotRotatedHeadStore.class, store);
        assertKeysAtSlots(store);
        step(policy, context, 10);
        store = context.cache().head(0, 0);
        assertArrayEquals(new int[] {0, 1, 2, 3, 9, 10}, positions(store));
        assertKeysAtSlots(store);
        float[] query = {0.2f, -0.4f, 0.9f, 0.1f};
        float[] scores = new float[store.size()];
        store.scores(query, 0, 0.5f, scores);
        for (int i = 0; i < store.size(); i++) {
            double[] k = rope(rawKey(store.position(i)), i);
            double dot = 0;
            for (int d = 0; d < HEAD_DIM; d++) {
                dot += query[d] * k[d];
            }
            assertEquals(0.5 * dot, scores[i], 1e-5, "score of slot " + i);
        }
        float[] value = new float[HEAD_DIM];
        store.readValue(5, value, 0);
        assertEquals(10f, value[0], "values are held as they came");
        assertEquals(5, policy.ropePositionShift());
        assertTrue(policy.bookkeepingBytes() > 0, "the slot rotation tables are counted");
        assertEquals("StreamingLLM (paper, mode a)", policy.descriptor().displayName());
    }

    @Test
    void shortPromptsGrowUntilTheBudgetThenSlide() {
        KvPolicy policy = PolicyRegistry.create("streamingllm", Budget.entries(6));
        PolicyContext context = prefilled(policy, 5);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, positions(context.cache().head(0, 0)));
        step(policy, context, 5);
        step(policy, context, 6);
        assertArrayEquals(new int[] {0, 1, 2, 3, 5, 6}, positions(context.cache().head(0, 0)));
    }

    @Test
    void budgetMustExceedTheSinks() {
        var e = assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("streamingllm", Budget.entries(4)));
        assertTrue(e.getMessage().contains("must exceed the 4 sinks"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("streamingllm:positions=slot", Budget.entries(8)));
    }

    /**
     * stories260K, B = 32, the prompt's last 30 tokens teacher-forced as decoding steps so every lane
     * sees the same tokens. Modes a and c must give the same logits up to rounding; mode b must not
     * (the positions really change); every lane holds the 4 sinks and the 28 newest positions.
     */
    @Test
    void storiesEndToEndModesAAndCAgree() {
        try (LoadedModel loaded = OnlineLaneFixture.stories()) {
            int[] tokens = OnlineLaneFixture.prompt(loaded);
            int n = tokens.length - 30;
            int[] prompt = Arrays.copyOf(tokens, n);
            var c = loaded.config();
            PolicyLane[] lanes = new PolicyLane[3];
            String[] modes = {"shift", "rerotate", "original"};
            float[][] logits = new float[3][];
            for (int m = 0; m < 3; m++) {
                lanes[m] = new PolicyLane(loaded.model(),
                        PolicyRegistry.create("streamingllm:positions=" + modes[m], Budget.entries(32)));
                logits[m] = lanes[m].prefill(prompt, null, false);
            }
            assertArrayEquals(logits[2], logits[0], "prefill is the same in every mode");
            double maxAc = 0;
            double maxAb = 0;
            for (int s = 0; s < 30; s++) {
                for (int m = 0; m < 3; m++) {
                    logits[m] = lanes[m].step(tokens[n + s], null);
                    assertTrue(OnlineLaneFixture.finite(logits[m]));
                    int next = lanes[m].nextPosition();
                    int[] expected = Ranking.union(Ranking.range(0, 4), Ranking.range(next - 28, next));
                    for (int l = 0; l < c.layers(); l++) {
                        for (int g = 0; g < c.kvHeads(); g++) {
                            assertArrayEquals(expected, positions(lanes[m].cache().head(l, g)));
                        }
                    }
                    assertEquals(m == 2 ? 0 : next - 32, lanes[m].policy().ropePositionShift());
                }
                for (int i = 0; i < logits[0].length; i++) {
                    maxAc = Math.max(maxAc, Math.abs(logits[0][i] - logits[1][i]));
                    maxAb = Math.max(maxAb, Math.abs(logits[0][i] - logits[2][i]));
                }
            }
            assertTrue(maxAc < 1e-3, "modes a and c differ by " + maxAc);
            assertTrue(maxAb > 1e-2, "mode b should see other positions, differs only by " + maxAb);
            long perEntry = 2L * c.headDim() * Float.BYTES + Integer.BYTES;
            assertEquals((long) c.layers() * c.kvHeads() * 32 * perEntry, lanes[1].cache().bytes());
            // mode b evicts in place and keeps room for the entry each step adds (max(1, 32/32))
            assertEquals((long) c.layers() * c.kvHeads() * 33 * perEntry, lanes[2].cache().bytes());
        }
    }
}
