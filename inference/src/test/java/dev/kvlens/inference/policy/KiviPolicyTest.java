package dev.kvlens.inference.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kvlens.inference.cache.KiviHeadStore;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import org.junit.jupiter.api.Test;

class KiviPolicyTest {

    /**
     * Bytes of one KIVI head after {@code t} entries were appended in order (no eviction), arrays trimmed,
     * from the shapes: keys of the first {@code Kq = t - t mod R} entries quantised in Kq/G groups, each
     * group a 4-byte first-entry index plus fp16 scale and minimum per channel; values of the first
     * {@code Vq = max(0, t - R)} quantised with fp16 scale and minimum per {@code Gv = min(G, d)} channels;
     * codes packed 32/b per int; the rest fp32 (our cache is fp32, the paper's residual is fp16); 4-byte positions.
     */
    static long kiviHeadBytes(int t, int d, int bits, int group, int residual) {
        int kq = t - t % residual;
        int vq = Math.max(0, t - residual);
        int valueGroup = Math.min(group, d);
        long keyGroups = kq / group;
        return 4L * t
                + keyGroups * (4 + 2L * 2 * d)
                + 4L * ceilDiv((long) kq * d * bits, 32) + 4L * d * (t - kq)
                + 4L * ceilDiv((long) vq * d * bits, 32) + 2L * 2 * (d / valueGroup) * vq + 4L * d * (t - vq);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    @Test
    void conversionAtPrefillEndLeavesThePapersAfterPrefillState() {
        // n = 5, G = 2, R = 2: keys of the first n - n mod R = 4 entries quantised, values of the first n - R = 3.
        KvPolicy policy = PolicyRegistry.create("kivi:group=2,residual=2", Budget.UNLIMITED);
        PolicyContext context = WindowPolicyFixture.context(2, 2, 1, 4, policy);
        WindowPolicyFixture.fill(context, 0, 5);
        assertEquals(null, policy.beginPrefill(context, 5));
        policy.endPrefill(context, WindowPolicyFixture.cache(context));
        for (int l = 0; l < 2; l++) {
            KiviHeadStore s = assertInstanceOf(KiviHeadStore.class, context.cache().head(l, 0));
            assertEquals(5, s.size());
            assertEquals(4, s.quantisedKeys());
            assertEquals(3, s.quantisedValues());
            assertEquals(4, s.position(4));
        }
        // The hand-worked 5-entry store of KiviHeadStoreTest: 140 bytes; the formula agrees.
        assertEquals(140, kiviHeadBytes(5, 4, 2, 2, 2));
    }

    @Test
    void badOptionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("kivi:bits=3", Budget.UNLIMITED));
        var r = assertThrows(IllegalArgumentException.class,
                () -> PolicyRegistry.create("kivi:residual=100", Budget.UNLIMITED));
        assertTrue(r.getMessage().contains("multiple of the group size"), r.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("kivi:group=0", Budget.UNLIMITED));
    }

    /**
     * KIVI-2 (G = 32, R = 128) on stories260K (d = 8, values grouped by 8): bytes equal the formula after the
     * prompt and again after 40 generated tokens; reported against FullKV.
     */
    @Test
    void storiesKiviTwoBitBytesFollowBitsScalesAndResidual() {
        try (LoadedModel loaded = StoragePolicyRuns.load()) {
            int[] prompt = StoragePolicyRuns.prompt(loaded);
            int n = prompt.length;
            assertTrue(n > 128, "the prompt must reach past R = 128, has " + n);
            ModelConfig c = loaded.config();
            int heads = c.layers() * c.kvHeads();
            int d = c.headDim();
            PolicyLane full = new PolicyLane(loaded.model(), FullKvPolicy.create());
            full.prefill(prompt, null, false);
            StoragePolicyRuns.Agreement atPrefill = StoragePolicyRuns.run(loaded, prompt, "kivi", Budget.UNLIMITED, 0);
            assertEquals(heads * kiviHeadBytes(n, d, 2, 32, 128), atPrefill.lane().cache().bytes());
            int steps = 40;
            StoragePolicyRuns.Agreement run = StoragePolicyRuns.run(loaded, prompt, "kivi", Budget.UNLIMITED, steps);
            PolicyCache cache = run.lane().cache();
            cache.trimToSize();
            int t = n + steps;
            assertEquals(heads * kiviHeadBytes(t, d, 2, 32, 128), cache.bytes());
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    KiviHeadStore s = assertInstanceOf(KiviHeadStore.class, cache.head(l, g));
                    assertEquals(t - t % 128, s.quantisedKeys());
                    assertEquals(t - 128, s.quantisedValues());
                }
            }
            System.out.printf("kivi (2-bit, G=32, R=128): n=%d, bytes %d vs FullKV %d (%.1f%%) after prefill; "
                            + "top-1 agreement with FullKV %.3f over %d predictions%n", n,
                    atPrefill.lane().cache().bytes(), full.cache().bytes(),
                    100.0 * atPrefill.lane().cache().bytes() / full.cache().bytes(), run.fraction(), steps + 1);
        }
    }

    /** KIVI-4 with a short window, so most of the cache is quantised. */
    @Test
    void storiesKiviFourBitShortWindow() {
        try (LoadedModel loaded = StoragePolicyRuns.load()) {
            int[] prompt = StoragePolicyRuns.prompt(loaded);
            ModelConfig c = loaded.config();
            int steps = 20;
            for (int bits : new int[] {2, 4}) {
                String spec = "kivi:bits=" + bits + ",group=8,residual=16";
                StoragePolicyRuns.Agreement run = StoragePolicyRuns.run(loaded, prompt, spec, Budget.UNLIMITED, steps);
                run.lane().cache().trimToSize();
                int t = prompt.length + steps;
                assertEquals(c.layers() * c.kvHeads() * kiviHeadBytes(t, c.headDim(), bits, 8, 16),
                        run.lane().cache().bytes(), spec);
                System.out.printf("%s: top-1 agreement with FullKV %.3f over %d predictions%n", spec, run.fraction(),
                        steps + 1);
            }
        }
    }

    /**
     * SnapKV at 64 entries recompressing every 8 generated tokens, on top of KIVI with R = 32: evictions
     * while decoding drop quantised entries from their groups.
     */
    @Test
    void storiesSnapKvRecompressingOverKivi() {
        try (LoadedModel loaded = StoragePolicyRuns.load()) {
            int[] prompt = StoragePolicyRuns.prompt(loaded);
            ModelConfig c = loaded.config();
            String spec = "snapkv:decode=recompress,interval=8+kivi:residual=32";
            int steps = 24;
            StoragePolicyRuns.Agreement run = StoragePolicyRuns.run(loaded, prompt, spec, Budget.entries(64), steps);
            KvPolicy policy = run.lane().policy();
            assertEquals("recompress", policy.options().values().get("snapkv.decode"));
            assertEquals("32", policy.options().values().get("kivi.residual"));
            assertEquals("KIVI on SnapKV", policy.descriptor().displayName());
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    KiviHeadStore s = assertInstanceOf(KiviHeadStore.class, run.lane().cache().head(l, g));
                    assertEquals(64, s.size(), "back at the budget after the recompression at step 24");
                    assertTrue(s.quantisedKeys() > 0 && s.quantisedValues() > 0);
                    for (int i = 1; i < s.size(); i++) {
                        assertTrue(s.position(i) > s.position(i - 1));
                    }
                }
            }
            System.out.printf("%s @64: top-1 agreement with FullKV %.3f over %d predictions%n", spec, run.fraction(),
                    steps + 1);
        }
    }

    /** H2O evicting every step on KIVI stores, once H2O is registered. */
    @Test
    void storiesH2oOverKivi() {
        assumeTrue(PolicyRegistry.descriptors().stream().anyMatch(d -> d.id().equals("h2o")), "h2o not registered yet");
        try (LoadedModel loaded = StoragePolicyRuns.load()) {
            int[] prompt = StoragePolicyRuns.prompt(loaded);
            int steps = 24;
            StoragePolicyRuns.Agreement run = StoragePolicyRuns.run(loaded, prompt, "h2o+kivi:residual=32",
                    Budget.entries(64), steps);
            ModelConfig c = loaded.config();
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    KiviHeadStore s = assertInstanceOf(KiviHeadStore.class, run.lane().cache().head(l, g));
                    assertEquals(64, s.size());
                }
            }
            System.out.printf("h2o+kivi:residual=32 @64: top-1 agreement with FullKV %.3f over %d predictions%n",
                    run.fraction(), steps + 1);
        }
    }
}
