package dev.kvlens.inference.policy.profiled;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.cache.SharedLayerHeadStore;
import dev.kvlens.inference.model.ForwardPass;
import dev.kvlens.inference.model.LlamaModel;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.ComposedPolicy;
import dev.kvlens.inference.policy.EvictionRecord;
import dev.kvlens.inference.policy.FullKvPolicy;
import dev.kvlens.inference.policy.KvPolicy;
import dev.kvlens.inference.policy.PolicyCache;
import dev.kvlens.inference.policy.PolicyLane;
import dev.kvlens.inference.policy.PolicyRegistry;
import dev.kvlens.inference.policy.profiled.KvSharerTable.PairTrial;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KVSharer on stories260K (5 layers, 4 KV heads): profile, table, inference, memory, composition. */
class KvSharerEndToEndTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));

    @TempDir
    Path dir;

    private static LoadedModel load() {
        return ModelLoader.load(MODELS.resolve("stories260K.gguf"));
    }

    private static int[] prompt(LoadedModel loaded) {
        int[] p = loaded.tokenizer().encode(NeedleProbes.story(99, 14), true, false);
        assertTrue(p.length > 100 && p.length < 128 * 2, "prompt of " + p.length);
        return p;
    }

    private static int[][] positions(KvCache cache, int layer) {
        int[][] out = new int[cache.kvHeads()][];
        for (int g = 0; g < out.length; g++) {
            KvHeadStore s = cache.head(layer, g);
            out[g] = new int[s.size()];
            for (int i = 0; i < s.size(); i++) {
                out[g][i] = s.position(i);
            }
        }
        return out;
    }

    private static void assertFinite(float[] logits) {
        for (float v : logits) {
            assertTrue(Float.isFinite(v), "logit " + v);
        }
    }

    @Test
    void profileWritesALayerMapAndTheLaneHoldsOnlyTheKeptLayers() {
        try (LoadedModel loaded = load()) {
            ModelConfig c = loaded.config();
            Profiler.Settings s = new Profiler.Settings(4, 10, 3, 3, 1, "value-output", 2, 0.5, 30);
            Path file = dir.resolve("kvsharer.json");
            ProfileTables.write(Profiler.profile(loaded, "kvsharer", Budget.UNLIMITED, s), file);
            KvSharerTable t = ProfileTables.read(file, "kvsharer").kvSharer();
            assertEquals(30, t.texts().size());
            assertEquals(2, t.shareLayers());
            assertEquals(0.5, t.threshold());

            // the search's record: descending distance, accepted exactly when above the threshold, at most 2
            int accepted = 0;
            for (int k = 0; k < t.tried().size(); k++) {
                PairTrial p = t.tried().get(k);
                assertTrue(p.layer() > p.source());
                assertEquals(t.distance()[p.layer()][p.source()], p.distance());
                assertEquals(p.similarity() > 0.5, p.accepted());
                if (k > 0) {
                    assertTrue(p.distance() <= t.tried().get(k - 1).distance());
                }
                accepted += p.accepted() ? 1 : 0;
            }
            assertTrue(accepted <= 2);
            int shared = 0;
            for (int l = 0; l < c.layers(); l++) {
                assertTrue(t.sources()[t.sources()[l]] == t.sources()[l] && t.sources()[l] <= l);
                shared += t.sources()[l] != l ? 1 : 0;
            }
            assertEquals(accepted, shared);
            System.out.printf("kvsharer stories260K: sources %s, trials %s%n",
                    java.util.Arrays.toString(t.sources()), t.tried());

            // D(L-1, 0) recomputed independently from full-cache runs of the table's texts
            assertEquals(independentDistance(loaded, t.texts(), c.layers() - 1, 0), t.distance()[c.layers() - 1][0],
                    1e-9 * Math.max(1, t.distance()[c.layers() - 1][0]));

            // inference from the table
            int[] prompt = prompt(loaded);
            PolicyLane lane = new PolicyLane(loaded.model(), PolicyRegistry.create("kvsharer:table=" + file,
                    Budget.UNLIMITED));
            assertFinite(lane.prefill(prompt, null, false));
            assertBytes(loaded, lane, shared, prompt);
        }
    }

    /** Mean over heads and positions of the distance of two layers' averaged keys, the same for values, halved. */
    private static double independentDistance(LoadedModel loaded, List<String> texts, int a, int b) {
        LlamaModel model = loaded.model();
        ModelConfig c = model.config();
        int d = c.headDim();
        double[][][][] key = new double[2][c.kvHeads()][64][d];
        double[][][][] value = new double[2][c.kvHeads()][64][d];
        int[] count = new int[64];
        int longest = 0;
        float[] row = new float[d];
        for (String text : texts) {
            int[] all = loaded.tokenizer().encode(text, true, false);
            int[] ids = java.util.Arrays.copyOf(all, Math.min(64, all.length));
            longest = Math.max(longest, ids.length);
            KvCache cache = model.newFullCache();
            model.newForwardPass().forward(ids, 0, cache, null, false);
            for (int p = 0; p < ids.length; p++) {
                count[p]++;
                for (int g = 0; g < c.kvHeads(); g++) {
                    int[] layers = {a, b};
                    for (int which = 0; which < 2; which++) {
                        cache.head(layers[which], g).readKey(p, row, 0);
                        for (int k = 0; k < d; k++) {
                            key[which][g][p][k] += row[k];
                        }
                        cache.head(layers[which], g).readValue(p, row, 0);
                        for (int k = 0; k < d; k++) {
                            value[which][g][p][k] += row[k];
                        }
                    }
                }
            }
        }
        double keys = 0;
        double values = 0;
        for (int g = 0; g < c.kvHeads(); g++) {
            for (int p = 0; p < longest; p++) {
                double sk = 0;
                double sv = 0;
                for (int k = 0; k < d; k++) {
                    double dk = (key[0][g][p][k] - key[1][g][p][k]) / count[p];
                    double dv = (value[0][g][p][k] - value[1][g][p][k]) / count[p];
                    sk += dk * dk;
                    sv += dv * dv;
                }
                keys += Math.sqrt(sk);
                values += Math.sqrt(sv);
            }
        }
        int n = c.kvHeads() * longest;
        return (keys / n + values / n) / 2;
    }

    /** bytes = (L - shared)/L of FullKV's, plus the views' few bytes. */
    private static void assertBytes(LoadedModel loaded, PolicyLane lane, int shared, int[] prompt) {
        ModelConfig c = loaded.config();
        PolicyLane full = new PolicyLane(loaded.model(), FullKvPolicy.create());
        full.prefill(prompt, null, false);
        long fullBytes = full.cache().bytes();
        double expected = (double) (c.layers() - shared) / c.layers() * fullBytes;
        long overhead = (long) shared * c.kvHeads() * SharedLayerHeadStore.BYTES;
        long bytes = lane.cache().bytes();
        System.out.printf("kvsharer stories260K: %d of %d layers shared, bytes %d vs FullKV %d (%.1f%%)%n", shared,
                c.layers(), bytes, fullBytes, 100.0 * bytes / fullBytes);
        assertTrue(Math.abs(bytes - expected) <= overhead, bytes + " bytes, expected " + expected + " +- " + overhead);
    }

    /** Layers 2 and 4 read layer 1: a map fixed by hand, so that the checks below do not depend on the search. */
    private static final int[] HAND_MAP = {0, 1, 1, 3, 1};

    @Test
    void chunkedPrefillThroughTheViewEqualsTokenByTokenDelegation() {
        try (LoadedModel loaded = load()) {
            LlamaModel model = loaded.model();
            ModelConfig c = model.config();
            int[] prompt = prompt(loaded);
            PolicyLane lane = new PolicyLane(model, KvSharerPolicy.of(c.name(), HAND_MAP));
            float[] logits = lane.prefill(prompt, null, true);
            assertFinite(logits);
            assertBytes(loaded, lane, 2, prompt);

            // reference: one token per forward pass, sharing layers reading the source store as it is
            // (it then holds exactly the positions up to the current token)
            PolicyCache cache = new PolicyCache(c.layers(), c.kvHeads(), c.headDim(), FullKvPolicy.create());
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    if (HAND_MAP[l] != l) {
                        cache.replace(l, g, new AppendIgnoringDelegate(cache, HAND_MAP[l], g));
                    }
                }
            }
            ForwardPass pass = model.newForwardPass();
            int vocab = c.vocabularySize();
            for (int p = 0; p < prompt.length; p++) {
                float[] one = pass.forward(new int[] {prompt[p]}, p, cache, null, false);
                float[] chunked = java.util.Arrays.copyOfRange(logits, p * vocab, (p + 1) * vocab);
                assertArrayEquals(one, chunked, 1e-4f, "position " + p);
            }
            // and sharing really changes the output (the test could fail if the view read nothing new)
            float[] fullLogits = new PolicyLane(model, FullKvPolicy.create()).prefill(prompt, null, false);
            float[] last = java.util.Arrays.copyOfRange(logits, (prompt.length - 1) * vocab, prompt.length * vocab);
            assertTrue(maxDifference(fullLogits, last) > 1e-3);
        }
    }

    private static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /** Test-only reference store: every call goes to another layer's store; appends are dropped. */
    private record AppendIgnoringDelegate(KvCache cache, int layer, int kvHead) implements KvHeadStore {

        private KvHeadStore s() {
            return cache.head(layer, kvHead);
        }

        @Override
        public int headDim() {
            return s().headDim();
        }

        @Override
        public int size() {
            return s().size();
        }

        @Override
        public int position(int i) {
            return s().position(i);
        }

        @Override
        public void append(int position, float[] key, int keyOffset, float[] value, int valueOffset) {
        }

        @Override
        public void scores(float[] query, int queryOffset, float scale, float[] out) {
            s().scores(query, queryOffset, scale, out);
        }

        @Override
        public void accumulate(float[] weights, float[] out, int outOffset) {
            s().accumulate(weights, out, outOffset);
        }

        @Override
        public void readKey(int i, float[] dst, int offset) {
            s().readKey(i, dst, offset);
        }

        @Override
        public void readValue(int i, float[] dst, int offset) {
            s().readValue(i, dst, offset);
        }

        @Override
        public long bytes() {
            return 0;
        }

        @Override
        public void retain(int[] indices) {
        }

        @Override
        public void trimToSize() {
        }
    }

    @Test
    void finalHiddenStatesGiveTheModelsLogitsAndMatchThemselves() {
        try (LoadedModel loaded = load()) {
            LlamaModel model = loaded.model();
            ModelConfig c = model.config();
            int[][] tokens = KvSharerCalibration.tokenize(loaded.tokenizer(), KvSharerCalibration.texts(5, 3));
            KvSharerCalibration calibration = new KvSharerCalibration(model, tokens);
            assertEquals(1.0, calibration.similarity(new int[] {0, 1, 2, 3, 4}), 1e-9);
            assertTrue(calibration.similarity(HAND_MAP) < 1 - 1e-6);

            float[] hidden = calibration.finalHidden(FullKvPolicy.create(), tokens[0]);
            float[] logits = new PolicyLane(model, FullKvPolicy.create()).prefill(tokens[0], null, true);
            int vocab = c.vocabularySize();
            float[] out = new float[vocab];
            for (int p = 0; p < tokens[0].length; p++) {
                model.weights().output().matvec(java.util.Arrays.copyOfRange(hidden, p * c.dim(), (p + 1) * c.dim()), out);
                assertArrayEquals(java.util.Arrays.copyOfRange(logits, p * vocab, (p + 1) * vocab), out, 1e-4f);
            }
        }
    }

    @Test
    void evictionOnSourceLayersIsWhatSharingLayersSeeAndHappensOnce() {
        try (LoadedModel loaded = load()) {
            LlamaModel model = loaded.model();
            ModelConfig c = model.config();
            int[] prompt = prompt(loaded);
            Budget budget = Budget.entries(48);
            KvPolicy composed = new ComposedPolicy(List.of(KvSharerPolicy.of(c.name(), HAND_MAP),
                    PolicyRegistry.create("snapkv", budget)), budget);
            PolicyLane lane = new PolicyLane(model, composed);
            List<EvictionRecord> records = new ArrayList<>();
            lane.cache().onDecision(records::add);
            assertFinite(lane.prefill(prompt, null, false));
            PolicyLane plain = new PolicyLane(model, PolicyRegistry.create("snapkv", budget));
            plain.prefill(prompt, null, false);

            // layers 0 and 1 run before any sharing layer: their choice is plain SnapKV's
            for (int l = 0; l < 2; l++) {
                assertArrayEquals(positions(plain.cache(), l), positions(lane.cache(), l), "layer " + l);
            }
            for (int step = 0; step <= 4; step++) {
                for (int l = 0; l < c.layers(); l++) {
                    int[][] kept = positions(lane.cache(), l);
                    if (HAND_MAP[l] == l) {
                        for (int[] k : kept) {
                            assertEquals(48 + step, k.length, "layer " + l + " evicted once, to the budget");
                        }
                    } else {
                        assertArrayEquals(positions(lane.cache(), HAND_MAP[l]), kept, "layer " + l);
                    }
                }
                if (step < 4) {
                    assertFinite(lane.step(prompt[step], null));
                }
            }
            for (EvictionRecord r : records) {
                assertEquals(HAND_MAP[r.layer()], r.layer(), "no decision recorded on sharing layer " + r.layer());
            }
            assertEquals(3 * c.kvHeads(), records.size());
        }
    }

    @Test
    void storeReplacingPoliciesAndForeignTablesAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ComposedPolicy(List.of(
                KvSharerPolicy.of("m", HAND_MAP), PolicyRegistry.create("kivi", Budget.UNLIMITED)), Budget.UNLIMITED));
        assertTrue(e.getMessage().contains("kivi"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KvSharerPolicy.of("m", new int[] {0, 0, 1}));
        assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("kvsharer", Budget.UNLIMITED));
        try (LoadedModel loaded = load()) {
            PolicyLane lane = new PolicyLane(loaded.model(), KvSharerPolicy.of("other", new int[] {0, 0, 2}));
            assertThrows(IllegalArgumentException.class, () -> lane.prefill(prompt(loaded), null, false));
        }
    }
}
