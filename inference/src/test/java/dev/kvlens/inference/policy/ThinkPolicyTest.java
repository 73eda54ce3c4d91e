package dev.kvlens.inference.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.cache.ChannelPrunedHeadStore;
import dev.kvlens.inference.cache.DenseHeadStore;
import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThinkPolicyTest {

    /**
     * Two channels, a group of two query heads with one observed query each: Q^a = (1, 0), Q^b = (0, 3);
     * keys (2, 1), (2, 1), (0, 0).
     * Query energy averaged over the group: channel 0 (1 + 0) / 2 = 0.5, channel 1 (0 + 9) / 2 = 4.5.
     * Key norms: channel 0 sqrt(4 + 4) = sqrt 8, channel 1 sqrt(1 + 1) = sqrt 2.
     * score[0] = sqrt 0.5 * sqrt 8 = 2, score[1] = sqrt 4.5 * sqrt 2 = 3: channel 0 is the one pruned,
     * although its keys are larger.
     */
    private static DenseHeadStore toyKeys() {
        DenseHeadStore keys = new DenseHeadStore(2);
        keys.append(0, new float[] {2, 1}, 0, new float[] {10, 11}, 0);
        keys.append(1, new float[] {2, 1}, 0, new float[] {20, 21}, 0);
        keys.append(2, new float[] {0, 0}, 0, new float[] {30, 31}, 0);
        return keys;
    }

    @Test
    void channelScoresOnATwoChannelToy() {
        float[] score = ThinkPolicy.channelScores(new float[][] {{1, 0}, {0, 3}}, 1, toyKeys());
        assertEquals(2.0, score[0], 1e-6);
        assertEquals(3.0, score[1], 1e-6);
    }

    @Test
    void thePolicyPrunesTheLowChannelOfOlderEntries() {
        KvPolicy policy = PolicyRegistry.create("think:ratio=0.5,recent=1,observe=1", Budget.UNLIMITED);
        PolicyContext context = WindowPolicyFixture.context(1, 2, 1, 2, policy);
        PolicyCache cache = WindowPolicyFixture.cache(context);
        KvHeadStore store = cache.head(0, 0);
        DenseHeadStore toy = toyKeys();
        float[] k = new float[2];
        float[] v = new float[2];
        for (int i = 0; i < 3; i++) {
            toy.readKey(i, k, 0);
            toy.readValue(i, v, 0);
            store.append(i, k, 0, v, 0);
        }
        AttentionListener listener = policy.beginPrefill(context, 3);
        float[] weights = {0.2f, 0.3f, 0.5f};
        // observe=1: only position 2 is wanted; an earlier query must not count.
        assertEquals(false, listener.wants(0, 1));
        listener.onAttention(new HeadAttention(0, 0, 0, 2, new float[] {1, 0}, 0, weights, 3, store));
        listener.onAttention(new HeadAttention(0, 1, 0, 2, new float[] {9, 0, 3}, 1, weights, 3, store));
        policy.endPrefill(context, cache);
        // floor(0.5 * 2) = 1 channel pruned (channel 0, score 2 < 3); the last entry (recent=1) stays whole.
        ChannelPrunedHeadStore pruned = assertInstanceOf(ChannelPrunedHeadStore.class, cache.head(0, 0));
        assertArrayEquals(new int[] {1}, pruned.keptChannels());
        assertEquals(2, pruned.prunedEntries());
        pruned.readKey(0, k, 0);
        assertArrayEquals(new float[] {0, 1}, k);
        pruned.readValue(1, v, 0);
        assertArrayEquals(new float[] {20, 21}, v); // values are never pruned
        // Pruned entries score with the kept channel only, the whole one with both, at 1/sqrt(2) of the full d.
        float[] scores = new float[3];
        pruned.scores(new float[] {1, 1}, 0, 0.5f, scores);
        assertArrayEquals(new float[] {0.5f, 0.5f, 0f}, scores);
    }

    @Test
    void aRatioBelowOneChannelPrunesNothing() {
        // d = 2, ratio 0.4: floor(0.8) = 0 channels to prune, stores stay dense.
        KvPolicy policy = PolicyRegistry.create("think:recent=0", Budget.UNLIMITED);
        PolicyContext context = WindowPolicyFixture.context(1, 2, 1, 2, policy);
        WindowPolicyFixture.fill(context, 0, 4);
        policy.beginPrefill(context, 4);
        policy.endPrefill(context, WindowPolicyFixture.cache(context));
        assertInstanceOf(DenseHeadStore.class, context.cache().head(0, 0));
    }

    @Test
    void badOptionsAndCompositionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("think:ratio=1", Budget.UNLIMITED));
        assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("think:recent=-1", Budget.UNLIMITED));
        var both = assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("think+kivi", Budget.UNLIMITED));
        assertTrue(both.getMessage().contains("cannot be composed"), both.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("kivi+think", Budget.UNLIMITED));
        KvPolicy think = PolicyRegistry.create("think", Budget.UNLIMITED);
        for (String mode : new String[] {"shift", "rerotate"}) {
            KvPolicy streaming = new ModeOnlyStreaming(mode);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> new ComposedPolicy(List.of(streaming, think), Budget.entries(64)));
            assertTrue(e.getMessage().contains("mode (b)"), e.getMessage());
        }
        new ComposedPolicy(List.of(new ModeOnlyStreaming("original"), think), Budget.entries(64));
        // The registered StreamingLLM, through specs.
        assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("streamingllm:positions=shift+think", Budget.entries(64)));
        assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("streamingllm:positions=rerotate+kivi", Budget.entries(64)));
        assertInstanceOf(ComposedPolicy.class, PolicyRegistry.create("streamingllm+think", Budget.entries(64)));
    }

    /** H2O evicts at every step from the channel-pruned stores ThinK leaves. */
    @Test
    void storiesH2oThenThink() {
        try (LoadedModel loaded = StoragePolicyRuns.load()) {
            int[] prompt = StoragePolicyRuns.prompt(loaded);
            int steps = 24;
            StoragePolicyRuns.Agreement run = StoragePolicyRuns.run(loaded, prompt, "h2o+think", Budget.entries(64), steps);
            ModelConfig c = loaded.config();
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    ChannelPrunedHeadStore s = assertInstanceOf(ChannelPrunedHeadStore.class, run.lane().cache().head(l, g));
                    assertEquals(64, s.size());
                    assertTrue(s.prunedEntries() <= 32);
                }
            }
            System.out.printf("h2o+think @64: top-1 agreement with FullKV %.3f over %d predictions%n", run.fraction(),
                    steps + 1);
        }
    }

    /** Stands in for StreamingLLM's identity and its {@code positions} option only: the rule reads nothing else. */
    private record ModeOnlyStreaming(String positions) implements KvPolicy {
        @Override
        public PolicyDescriptor descriptor() {
            return new PolicyDescriptor("streamingllm", "StreamingLLM", "", "", false, false,
                    List.of(PolicyOption.choice("positions", "original", List.of("original", "shift", "rerotate"), "")));
        }

        @Override
        public PolicyOptions options() {
            return new PolicyOptions("streamingllm", descriptor().options(), java.util.Map.of("positions", positions));
        }

        @Override
        public Budget budget() {
            return Budget.entries(64);
        }

        @Override
        public void endPrefill(PolicyContext context, CacheEditor editor) {
        }
    }

    /**
     * stories260K (d = 8, 5 layers, 4 KV heads): λ = 0.4 prunes floor(3.2) = 3 channels, T = 5 kept, from all
     * but the last 32 entries. Against FullKV each head saves exactly (8 - 5)/8 of the pruned entries' key
     * bytes, 4 * 3 * (n - 32), and holds a 5-entry channel table (20 bytes).
     */
    @Test
    void storiesThinkSavesThreeEighthsOfThePrunedKeys() {
        try (LoadedModel loaded = StoragePolicyRuns.load()) {
            int[] prompt = StoragePolicyRuns.prompt(loaded);
            int n = prompt.length;
            assertTrue(n > 100 && n < 250, "prompt of " + n + " tokens");
            ModelConfig c = loaded.config();
            int d = c.headDim();
            int heads = c.layers() * c.kvHeads();
            PolicyLane full = new PolicyLane(loaded.model(), FullKvPolicy.create());
            full.prefill(prompt, null, false);
            StoragePolicyRuns.Agreement run = StoragePolicyRuns.run(loaded, prompt, "full+think", Budget.UNLIMITED, 0);
            PolicyCache cache = run.lane().cache();
            int kept = d - (int) Math.floor(0.4 * d);
            assertEquals(5, kept);
            long saved = (long) heads * (4L * (d - kept) * (n - 32) - 4L * kept);
            assertEquals(full.cache().bytes() - saved, cache.bytes());
            // The same bytes from first principles: positions, values, whole and pruned keys, channel table.
            long perHead = 4L * n + 4L * d * n + 4L * d * 32 + 4L * kept * (n - 32) + 4L * kept;
            assertEquals(heads * perHead, cache.bytes());
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    ChannelPrunedHeadStore s = assertInstanceOf(ChannelPrunedHeadStore.class, cache.head(l, g));
                    assertEquals(n - 32, s.prunedEntries());
                    assertEquals(kept, s.keptChannels().length);
                }
            }
        }
    }

    /** SnapKV at 64 entries, then ThinK: 32 pruned (64 - recent 32) and 32 whole entries per head. */
    @Test
    void storiesSnapKvThenThink() {
        try (LoadedModel loaded = StoragePolicyRuns.load()) {
            int[] prompt = StoragePolicyRuns.prompt(loaded);
            ModelConfig c = loaded.config();
            int d = c.headDim();
            int heads = c.layers() * c.kvHeads();
            int steps = 24;
            StoragePolicyRuns.Agreement snap = StoragePolicyRuns.run(loaded, prompt, "snapkv", Budget.entries(64), steps);
            StoragePolicyRuns.Agreement both = StoragePolicyRuns.run(loaded, prompt, "snapkv+think", Budget.entries(64), steps);
            StoragePolicyRuns.Agreement think = StoragePolicyRuns.run(loaded, prompt, "think", Budget.UNLIMITED, steps);
            System.out.printf("top-1 agreement with FullKV over %d predictions: snapkv@64 %.3f, snapkv+think@64 %.3f, "
                    + "think %.3f%n", steps + 1, snap.fraction(), both.fraction(), think.fraction());
            assertEquals("snapkv+think", both.lane().policy().descriptor().id());
            assertEquals("ThinK on SnapKV", both.lane().policy().descriptor().displayName());
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    KvHeadStore a = snap.lane().cache().head(l, g);
                    ChannelPrunedHeadStore b = assertInstanceOf(ChannelPrunedHeadStore.class, both.lane().cache().head(l, g));
                    assertEquals(64 + steps, b.size()); // decode appends whole entries
                    assertEquals(32, b.prunedEntries());
                    for (int i = 0; i < b.size(); i++) {
                        assertEquals(a.position(i), b.position(i), "ThinK keeps SnapKV's positions");
                    }
                }
            }
            snap.lane().cache().trimToSize();
            both.lane().cache().trimToSize();
            int kept = d - (int) Math.floor(0.4 * d);
            assertEquals(snap.lane().cache().bytes() - heads * (4L * (d - kept) * 32 - 4L * kept),
                    both.lane().cache().bytes());
        }
    }
}
