package dev.kvlens.inference.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.ModelLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The observation-window family and KNorm on the real stories260K model through {@link PolicyLane}. */
class ObservationWindowEndToEndTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));
    private static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play "
            + "outside in the park with her dog Max. One day, Lily saw a big red ball under a tree. She ran to the "
            + "ball and kicked it very hard. The ball flew over the fence and into the garden of an old man. Lily "
            + "was sad because she wanted her ball back. Max barked and wagged his tail. The old man came out and "
            + "smiled at Lily. He gave the ball back and said, \"Be careful next time.\" Lily said thank you and "
            + "they played together until the sun went down. Where did the ball go?";

    private static LoadedModel loaded;
    private static int[] prompt;

    @BeforeAll
    static void load() {
        loaded = ModelLoader.load(MODELS.resolve("stories260K.gguf"));
        prompt = loaded.tokenizer().encode(STORY, true, false);
    }

    @AfterAll
    static void close() {
        loaded.close();
    }

    private static long fullBytes() {
        PolicyLane full = new PolicyLane(loaded.model(), FullKvPolicy.create());
        full.prefill(prompt, null, false);
        return full.cache().bytes();
    }

    private static void assertFinite(float[] logits) {
        for (float x : logits) {
            assertTrue(Float.isFinite(x));
        }
    }

    @Test
    void promptIsLongEnough() {
        assertTrue(prompt.length >= 100 && prompt.length <= 250, "prompt has " + prompt.length + " tokens");
    }

    /** Budget 48 with the default window 32: every head holds 48 entries, the window among them. */
    @Test
    void uniformPoliciesHoldTheBudgetAndTheWindow() {
        ModelConfig c = loaded.config();
        int n = prompt.length;
        long full = fullBytes();
        for (String spec : new String[] {"snapkv", "snapkv:gqa-variant=kvpress,pooling=avg", "knorm"}) {
            PolicyLane lane = new PolicyLane(loaded.model(), PolicyRegistry.create(spec, Budget.entries(48)));
            assertFinite(lane.prefill(prompt, null, false));
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    KvHeadStore s = lane.cache().head(l, g);
                    assertEquals(48, s.size(), spec);
                    if (spec.startsWith("snapkv")) {
                        assertEquals(n - 32, s.position(16), spec + ": the window is the last 32 entries");
                    }
                }
            }
            // Dense stores: bytes are proportional to entries, so exactly 48/n of FullKV's.
            assertEquals(full * 48 / n, lane.cache().bytes(), spec);
            for (int t = 0; t < 5; t++) {
                assertFinite(lane.step(400 + t, null));
            }
            assertEquals(53, lane.cache().head(2, 1).size(), spec + ": decode=none appends");
        }
    }

    /**
     * An independent scalar SnapKV: record the whole attention rows of the last 32 prompt positions
     * during a FullKV prefill, then sum, mean over the group, max-pool (k = 7) over the prefix and
     * take the best 16 by (score, lower position) by plain sorting; the policy lane must keep the same.
     */
    @Test
    void snapKvAgreesWithAStraightforwardRecomputation() {
        ModelConfig c = loaded.config();
        int n = prompt.length;
        int w = 32;
        Map<String, float[]> rows = new HashMap<>();
        PolicyLane full = new PolicyLane(loaded.model(), FullKvPolicy.create());
        full.prefill(prompt, new AttentionListener() {
            @Override
            public boolean wants(int layer, int position) {
                return position >= n - w;
            }

            @Override
            public void onAttention(HeadAttention a) {
                rows.put(a.layer() + "/" + a.head() + "/" + a.position(), Arrays.copyOf(a.weights(), a.entries()));
            }
        }, false);
        PolicyLane lane = new PolicyLane(loaded.model(), PolicyRegistry.create("snapkv", Budget.entries(48)));
        lane.prefill(prompt, null, false);
        int group = c.groupSize();
        for (int l = 0; l < c.layers(); l++) {
            for (int g = 0; g < c.kvHeads(); g++) {
                double[] v = new double[n - w];
                for (int h = g * group; h < (g + 1) * group; h++) {
                    for (int i = n - w; i < n; i++) {
                        float[] row = rows.get(l + "/" + h + "/" + i);
                        for (int j = 0; j < n - w; j++) {
                            v[j] += row[j] / (double) group;
                        }
                    }
                }
                double[] u = new double[n - w];
                for (int j = 0; j < n - w; j++) {
                    u[j] = Double.NEGATIVE_INFINITY;
                    for (int k = Math.max(0, j - 3); k <= Math.min(n - w - 1, j + 3); k++) {
                        u[j] = Math.max(u[j], v[k]);
                    }
                }
                Integer[] order = new Integer[n - w];
                for (int j = 0; j < order.length; j++) {
                    order[j] = j;
                }
                Arrays.sort(order, (a, b) -> u[a] != u[b] && Math.abs(u[a] - u[b]) > 1e-6 * Math.max(u[a], u[b])
                        ? Double.compare(u[b], u[a]) : Integer.compare(a, b));
                int[] expected = new int[48];
                for (int k = 0; k < 16; k++) {
                    expected[k] = order[k];
                }
                for (int k = 0; k < w; k++) {
                    expected[16 + k] = n - w + k;
                }
                Arrays.sort(expected, 0, 16);
                int[] kept = new int[48];
                for (int i = 0; i < 48; i++) {
                    kept[i] = lane.cache().head(l, g).position(i);
                }
                assertArrayEquals(expected, kept, "layer " + l + " KV head " + g);
            }
        }
    }

    /** Adaptive policies keep the window everywhere, never exceed the prefix, and stay near L * Hkv * B in total. */
    @Test
    void adaptivePoliciesKeepTheWindowAndAboutTheTotal() {
        ModelConfig c = loaded.config();
        int n = prompt.length;
        for (String spec : new String[] {"pyramidkv", "pyramidkv:schedule=kvpress-float", "adakv", "adakv:base=pyramid",
                "kvcompress", "zigzagkv"}) {
            PolicyLane lane = new PolicyLane(loaded.model(), PolicyRegistry.create(spec, Budget.entries(48)));
            assertFinite(lane.prefill(prompt, null, false));
            long total = 0;
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    KvHeadStore s = lane.cache().head(l, g);
                    total += s.size();
                    assertTrue(s.size() >= 32 && s.size() <= n, spec + " holds " + s.size());
                    assertEquals(n - 32, s.position(s.size() - 32), spec + ": window kept");
                }
            }
            long nominal = 48L * c.layers() * c.kvHeads();
            assertTrue(Math.abs(total - nominal) <= nominal / 5, spec + ": total " + total + " vs nominal " + nominal);
            assertFinite(lane.step(300, null));
        }
    }

    /** decode=recompress,interval=8: after 8 and 16 generated tokens every head is back at its budget. */
    @Test
    void recompressionHoldsTheBudgetWhileDecoding() {
        PolicyLane lane = new PolicyLane(loaded.model(),
                PolicyRegistry.create("snapkv:decode=recompress,interval=8,window=16", Budget.entries(40)));
        lane.prefill(prompt, null, false);
        List<Integer> sizes = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            assertFinite(lane.step(300 + t, null));
            sizes.add(lane.cache().head(4, 3).size());
        }
        assertEquals(List.of(41, 42, 43, 44, 45, 46, 47, 40, 41, 42, 43, 44, 45, 46, 47, 40), sizes);
        // The last 16 entries (the decode window) are the newest positions.
        KvHeadStore s = lane.cache().head(0, 0);
        assertEquals(prompt.length + 15, s.position(39));
        assertEquals(prompt.length, s.position(24));
    }

    /**
     * KNorm on real keys: every kept key's norm is at most every evicted key's (1e-6 relative), and where
     * the same token appears twice in layer 0 (same key before RoPE) a kept copy never comes after an
     * evicted one.
     */
    @Test
    void kNormKeepsTheSmallestNormsAndLowerCopiesOfRepeatedTokens() {
        ModelConfig c = loaded.config();
        PolicyLane full = new PolicyLane(loaded.model(), FullKvPolicy.create());
        full.prefill(prompt, null, false);
        PolicyLane lane = new PolicyLane(loaded.model(), PolicyRegistry.create("knorm", Budget.entries(48)));
        lane.prefill(prompt, null, false);
        int repeatedPairs = 0;
        for (int l = 0; l < c.layers(); l++) {
            for (int g = 0; g < c.kvHeads(); g++) {
                KvHeadStore all = full.cache().head(l, g);
                boolean[] kept = new boolean[prompt.length];
                KvHeadStore s = lane.cache().head(l, g);
                for (int i = 0; i < s.size(); i++) {
                    kept[s.position(i)] = true;
                }
                double[] norm = new double[prompt.length];
                float[] key = new float[c.headDim()];
                for (int p = 0; p < prompt.length; p++) {
                    all.readKey(p, key, 0);
                    double sq = 0;
                    for (float x : key) {
                        sq += (double) x * x;
                    }
                    norm[p] = Math.sqrt(sq);
                }
                double maxKept = 0;
                double minEvicted = Double.MAX_VALUE;
                for (int p = 0; p < prompt.length; p++) {
                    if (kept[p]) {
                        maxKept = Math.max(maxKept, norm[p]);
                    } else {
                        minEvicted = Math.min(minEvicted, norm[p]);
                    }
                }
                assertTrue(maxKept <= minEvicted * (1 + 1e-6), "layer " + l + " head " + g);
                if (l == 0) {
                    for (int a = 0; a < prompt.length; a++) {
                        for (int b = a + 1; b < prompt.length; b++) {
                            if (prompt[a] == prompt[b] && kept[a] != kept[b]) {
                                repeatedPairs++;
                                assertTrue(kept[a], "token " + prompt[a] + ": position " + b + " kept, " + a + " evicted");
                            }
                        }
                    }
                }
            }
        }
        assertTrue(repeatedPairs > 0, "the prompt should put a repeated token on the budget's edge");
    }
}
