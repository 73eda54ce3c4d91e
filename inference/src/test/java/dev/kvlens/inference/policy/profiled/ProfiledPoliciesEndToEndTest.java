package dev.kvlens.inference.policy.profiled;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.ModelFileException;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.PolicyLane;
import dev.kvlens.inference.policy.PolicyRegistry;
import dev.kvlens.inference.policy.RealisedKeepFraction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Profiles stories260K, writes and reads the tables, and runs each profiled policy on a prompt. */
class ProfiledPoliciesEndToEndTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));

    @TempDir
    Path dir;

    /** The replayed last-layer output is checked where the engine shows it: layer l's output is layer l+1's input. */
    @Test
    void layerReplayReproducesTheNextLayersInput() {
        try (LoadedModel loaded = ModelLoader.load(MODELS.resolve("stories260K.gguf"))) {
            ModelConfig c = loaded.config();
            int[] tokens = loaded.tokenizer().encode("Once upon a time, Lily saw a big dog.", true, false);
            int p = tokens.length - 1;
            float[][] in = new float[c.layers()][];
            float[][] att = new float[c.layers()][c.queryDim()];
            loaded.model().newForwardPass().forward(tokens, 0, loaded.model().newFullCache(), new AttentionListener() {
                @Override
                public boolean wants(int layer, int position) {
                    return position == p;
                }

                @Override
                public void onLayerInput(int layer, int position, float[] r, int ro, float[] n, int no) {
                    in[layer] = Arrays.copyOfRange(r, ro, ro + c.dim());
                }

                @Override
                public void onAttention(HeadAttention a) {
                    float[] o = new float[c.headDim()];
                    a.cache().accumulate(a.weights(), o, 0);
                    System.arraycopy(o, 0, att[a.layer()], a.head() * c.headDim(), c.headDim());
                }
            }, false);
            LayerReplay replay = new LayerReplay(c);
            for (int l = 0; l + 1 < c.layers(); l++) {
                assertArrayEquals(in[l + 1], replay.output(loaded.model().weights().layers().get(l), in[l], att[l]), 1e-5f);
            }
        }
    }

    @Test
    void profiledPoliciesRunFromTheirTables() {
        try (LoadedModel loaded = ModelLoader.load(MODELS.resolve("stories260K.gguf"))) {
            Profiler.Settings s = new Profiler.Settings(4, 10, 7, 3, 1, "value-output");
            int[] prompt = loaded.tokenizer().encode(NeedleProbes.story(99, 14), true, false);
            assertTrue(prompt.length > 100, "prompt of " + prompt.length);
            long fullBytes = fullLaneBytes(loaded, prompt);

            // BaKlaVa-like, searched for rho = 0.5
            Path baklava = dir.resolve("baklava.json");
            ProfileTables.write(Profiler.profile(loaded, "baklava", Budget.fraction(0.5), s), baklava);
            ProfileTable bt = ProfileTables.read(baklava, "baklava");
            assertEquals(12, bt.baklava().search().size());
            double mean = Arrays.stream(bt.baklava().keepFraction()).flatMapToDouble(Arrays::stream).average().orElseThrow();
            assertEquals(0.5, mean, 1e-9);
            PolicyLane lane = run(loaded, "baklava:table=" + baklava, Budget.fraction(0.5), prompt);
            int[][] budgets = ((BaklavaPolicy) lane.policy()).lastBudgets();
            assertKept(lane, budgets, prompt.length);
            assertTrue(lane.cache().bytes() < fullBytes);

            // SurfaceLogicKV-like with B = 48
            Path surface = dir.resolve("surface.json");
            ProfileTables.write(Profiler.profile(loaded, "surfacelogickv", Budget.fraction(0.5), s), surface);
            SurfaceLogicTable st = ProfileTables.read(surface, "surfacelogickv").surfaceLogic();
            int answers = 4 * 3;
            for (int l = 0; l < loaded.config().layers(); l++) {
                for (int h = 0; h < loaded.config().heads(); h++) {
                    assertEquals(answers, st.surface()[l][h] + st.logic()[l][h] + st.ignore()[l][h]);
                }
            }
            lane = run(loaded, "surfacelogickv:table=" + surface, Budget.entries(48), prompt);
            assertKept(lane, ((SurfaceLogicKvPolicy) lane.policy()).lastBudgets(), prompt.length);

            // FastGen: realised keep fraction reported, every KV head holds what its choice allows
            Path fastgen = dir.resolve("fastgen.json");
            ProfileTables.write(Profiler.profile(loaded, "fastgen", Budget.fraction(0.5), s), fastgen);
            FastGenTable ft = ProfileTables.read(fastgen, "fastgen").fastGen();
            assertArrayEquals(new int[] {0, 1, 2}, ft.specialTokens());
            lane = run(loaded, "fastgen:table=" + fastgen + ",T=0.9", Budget.UNLIMITED, prompt);
            double keep = RealisedKeepFraction.of(lane.cache(), lane.nextPosition());
            assertTrue(keep > 0 && keep <= 1, "keep " + keep);
            int[][] choices = ((FastGenPolicy) lane.policy()).choices();
            for (int l = 0; l < choices.length; l++) {
                for (int g = 0; g < choices[l].length; g++) {
                    if (choices[l][g] == FastGenPolicy.FULL) {
                        assertEquals(lane.nextPosition(), lane.cache().head(l, g).size());
                    }
                }
            }
        }
    }

    @Test
    void profiledPoliciesWithoutATableSayToRunProfile() {
        var e = assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("baklava", Budget.fraction(0.5)));
        assertTrue(e.getMessage().contains("kvlens profile"), e.getMessage());
        var missing = assertThrows(ModelFileException.class,
                () -> PolicyRegistry.create("surfacelogickv:table=" + dir.resolve("none.json"), Budget.entries(8)));
        assertTrue(missing.getMessage().contains("kvlens profile"), missing.getMessage());
    }

    @Test
    void aTableForAnotherPolicyOrNotJsonIsRefused() throws Exception {
        Path junk = dir.resolve("junk.json");
        Files.writeString(junk, "{not json");
        assertThrows(ModelFileException.class, () -> ProfileTables.read(junk, "baklava"));
        Path other = dir.resolve("other.json");
        ProfileTables.write(new ProfileTable(ProfileTables.VERSION, "fastgen", "m", 1, 1, 1, java.util.List.of(), null,
                null, new FastGenTable(new int[0], new int[0]), null, 0), other);
        var e = assertThrows(ModelFileException.class, () -> ProfileTables.read(other, "baklava"));
        assertTrue(e.getMessage().contains("for policy 'fastgen'"), e.getMessage());
    }

    private static long fullLaneBytes(LoadedModel loaded, int[] prompt) {
        PolicyLane full = new PolicyLane(loaded.model(), PolicyRegistry.create("full", Budget.UNLIMITED));
        full.prefill(prompt, null, false);
        return full.cache().bytes();
    }

    private static PolicyLane run(LoadedModel loaded, String spec, Budget budget, int[] prompt) {
        PolicyLane lane = new PolicyLane(loaded.model(), PolicyRegistry.create(spec, budget));
        float[] logits = lane.prefill(prompt, null, false);
        for (int i = 0; i < 4; i++) {
            for (float v : logits) {
                assertTrue(Float.isFinite(v));
            }
            logits = lane.step(NeedleBehaviourProfiler.argmax(logits), null);
        }
        return lane;
    }

    /** After prefill and 4 steps each head holds its budget plus the 4 generated tokens. */
    private static void assertKept(PolicyLane lane, int[][] budgets, int n) {
        boolean shrank = false;
        for (int l = 0; l < budgets.length; l++) {
            for (int g = 0; g < budgets[l].length; g++) {
                assertEquals(Math.min(budgets[l][g], n) + 4, lane.cache().head(l, g).size(), "layer " + l + " head " + g);
                shrank |= budgets[l][g] < n;
                assertEquals(n + 3, lane.cache().head(l, g).position(lane.cache().head(l, g).size() - 1));
            }
        }
        assertTrue(shrank);
    }
}
