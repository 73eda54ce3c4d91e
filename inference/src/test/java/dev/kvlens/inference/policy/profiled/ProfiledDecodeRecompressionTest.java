package dev.kvlens.inference.policy.profiled;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.KvPolicy;
import dev.kvlens.inference.policy.PolicyLane;
import dev.kvlens.inference.policy.PolicyOptions;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@code decode=recompress} on BaKlaVa-like and SurfaceLogicKV-like (stories260K, window 8,
 * interval 4): each head grows by one entry a step and is brought back to its own prefill budget
 * every 4 steps, keeping its last 8 entries; {@code decode=none} (the default) only grows.
 */
class ProfiledDecodeRecompressionTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));
    private static final int WINDOW = 8;
    private static final int INTERVAL = 4;

    private static PolicyOptions options(String id, java.util.List<dev.kvlens.inference.policy.PolicyOption> declared,
                                         String decode) {
        return new PolicyOptions(id, declared, Map.of("window", "" + WINDOW, "decode", decode, "interval",
                "" + INTERVAL));
    }

    /** Runs 8 steps and checks every head's size against its prefill budget after each. */
    private static void check(LoadedModel loaded, KvPolicy policy, Function<KvPolicy, int[][]> budgets,
                              boolean recompress) {
        ModelConfig c = loaded.config();
        int[] prompt = loaded.tokenizer().encode(NeedleProbes.story(99, 14), true, false);
        PolicyLane lane = new PolicyLane(loaded.model(), policy);
        lane.prefill(prompt, null, false);
        int[][] b = budgets.apply(policy);
        for (int step = 1; step <= 2 * INTERVAL; step++) {
            float[] logits = lane.step(prompt[step], null);
            assertTrue(Float.isFinite(logits[0]));
            int sinceCompression = recompress ? step % INTERVAL : step;
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    assertTrue(b[l][g] > WINDOW && b[l][g] < prompt.length, "budget " + b[l][g]);
                    KvHeadStore s = lane.cache().head(l, g);
                    assertEquals(b[l][g] + sinceCompression, s.size(), "layer " + l + " head " + g + " step " + step);
                    int last = lane.nextPosition() - 1;
                    for (int k = 0; k < WINDOW; k++) {
                        assertEquals(last - k, s.position(s.size() - 1 - k), "the window is kept");
                    }
                }
            }
        }
        if (!recompress) {
            assertEquals(0, policy.bookkeepingBytes());
        }
    }

    @Test
    void baklavaHoldsEachHeadsBudgetWhenAskedAndGrowsByDefault() {
        try (LoadedModel loaded = ModelLoader.load(MODELS.resolve("stories260K.gguf"))) {
            ModelConfig c = loaded.config();
            // hand-made fractions 0.15..0.45 over (layer, KV head); their mean is the table's keep
            double[][] f = new double[c.layers()][c.kvHeads()];
            double sum = 0;
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    f[l][g] = 0.15 + 0.1 * ((l + g) % 4);
                    sum += f[l][g];
                }
            }
            double mean = sum / (c.layers() * c.kvHeads());
            var declared = BaklavaPolicy.FACTORY.descriptor().options();
            assertEquals("none", PolicyOptions.defaults("baklava", declared).string("decode"));
            for (String decode : new String[] {"none", "recompress"}) {
                KvPolicy p = new BaklavaPolicy(c.name(), c.layers(), c.heads(), c.kvHeads(), f, mean,
                        Budget.fraction(mean), options("baklava", declared, decode));
                check(loaded, p, q -> ((BaklavaPolicy) q).lastBudgets(), decode.equals("recompress"));
            }
        }
    }

    @Test
    void surfaceLogicHoldsEachHeadsBudgetWhenAskedAndGrowsByDefault() {
        try (LoadedModel loaded = ModelLoader.load(MODELS.resolve("stories260K.gguf"))) {
            ModelConfig c = loaded.config();
            double[][] score = new double[c.layers()][c.heads()];
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.heads(); h++) {
                    score[l][h] = 1 + (l * c.heads() + h) % 5;
                }
            }
            var declared = SurfaceLogicKvPolicy.FACTORY.descriptor().options();
            assertEquals("none", PolicyOptions.defaults("surfacelogickv", declared).string("decode"));
            for (String decode : new String[] {"none", "recompress"}) {
                KvPolicy p = new SurfaceLogicKvPolicy(c.name(), c.kvHeads(), score, Budget.entries(40),
                        options("surfacelogickv", declared, decode));
                check(loaded, p, q -> ((SurfaceLogicKvPolicy) q).lastBudgets(), decode.equals("recompress"));
            }
            // n <= B: nothing compressed, nothing to hold yet
            KvPolicy roomy = new SurfaceLogicKvPolicy(c.name(), c.kvHeads(), score, Budget.entries(4000),
                    options("surfacelogickv", declared, "recompress"));
            PolicyLane lane = new PolicyLane(loaded.model(), roomy);
            int[] prompt = loaded.tokenizer().encode(NeedleProbes.story(99, 14), true, false);
            lane.prefill(prompt, null, false);
            for (int step = 1; step <= INTERVAL; step++) {
                lane.step(prompt[step], null);
            }
            assertNull(((SurfaceLogicKvPolicy) roomy).lastBudgets());
            assertEquals(prompt.length + INTERVAL, lane.cache().head(0, 0).size());
        }
    }
}
