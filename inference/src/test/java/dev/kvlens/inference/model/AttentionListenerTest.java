package dev.kvlens.inference.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvlens.inference.cache.KvCache;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the forward pass hands to an attention listener, checked against a direct computation. */
class AttentionListenerTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));
    private static final int[] PROMPT = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376};
    private static LoadedModel loaded;

    @BeforeAll
    static void load() {
        loaded = ModelLoader.load(MODELS.resolve("stories260K.gguf"));
    }

    @AfterAll
    static void close() {
        loaded.close();
    }

    private record Seen(int layer, int head, int kvHead, int position, float[] query, float[] weights,
                        float[][] keys, int[] positions) {
    }

    @Test
    void everyHeadIsReportedWithWeightsThatAreTheSoftmaxOfQueryDotKeys() {
        ModelConfig c = loaded.config();
        List<Seen> seen = new ArrayList<>();
        AttentionListener listener = a -> {
            float[] q = java.util.Arrays.copyOfRange(a.query(), a.queryOffset(), a.queryOffset() + c.headDim());
            float[][] keys = new float[a.entries()][c.headDim()];
            int[] positions = new int[a.entries()];
            for (int i = 0; i < a.entries(); i++) {
                a.cache().readKey(i, keys[i], 0);
                positions[i] = a.cache().position(i);
            }
            seen.add(new Seen(a.layer(), a.head(), a.kvHead(), a.position(), q,
                    java.util.Arrays.copyOf(a.weights(), a.entries()), keys, positions));
        };
        KvCache cache = loaded.model().newFullCache();
        ForwardPass pass = loaded.model().newForwardPass();
        float[] withListener = pass.forward(PROMPT, 0, cache, listener, false);
        float[] next = pass.forward(new int[] {432}, PROMPT.length, cache, listener, false);

        int positions = PROMPT.length + 1;
        assertEquals(c.layers() * c.heads() * positions, seen.size());
        int i = 0;
        for (int l = 0; l < c.layers(); l++) {
            for (int p = 0; p < positions; p++) {
                if (p == PROMPT.length) {
                    continue; // the decode step comes after every layer of the prompt
                }
                for (int h = 0; h < c.heads(); h++) {
                    checkOrderAndWeights(seen.get(i++), l, p, h, c);
                }
            }
        }
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.heads(); h++) {
                checkOrderAndWeights(seen.get(i++), l, PROMPT.length, h, c);
            }
        }

        // Listening changes nothing.
        ForwardPass quiet = loaded.model().newForwardPass();
        KvCache quietCache = loaded.model().newFullCache();
        assertArrayEquals(quiet.forward(PROMPT, 0, quietCache, null, false), withListener);
        assertArrayEquals(quiet.forward(new int[] {432}, PROMPT.length, quietCache, null, false), next);
    }

    private static void checkOrderAndWeights(Seen s, int layer, int position, int head, ModelConfig c) {
        String where = "layer " + layer + " position " + position + " head " + head;
        assertEquals(layer, s.layer(), where);
        assertEquals(position, s.position(), where);
        assertEquals(head, s.head(), where);
        assertEquals(head / (c.heads() / c.kvHeads()), s.kvHead(), where);
        assertEquals(position + 1, s.weights().length, where + ": a full cache holds every earlier position");
        double[] expected = new double[s.keys().length];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < expected.length; k++) {
            assertEquals(k, s.positions()[k], where);
            double dot = 0;
            for (int d = 0; d < c.headDim(); d++) {
                dot += (double) s.query()[d] * s.keys()[k][d];
            }
            expected[k] = dot / Math.sqrt(c.headDim());
            max = Math.max(max, expected[k]);
        }
        double sum = 0;
        for (int k = 0; k < expected.length; k++) {
            expected[k] = Math.exp(expected[k] - max);
            sum += expected[k];
        }
        double total = 0;
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k] / sum, s.weights()[k], 1e-5, where + " entry " + k);
            total += s.weights()[k];
        }
        assertEquals(1.0, total, 1e-5, where);
    }

    @Test
    void aListenerThatWantsNothingReceivesNothing() {
        int[] calls = {0};
        AttentionListener idle = new AttentionListener() {
            @Override
            public boolean wants(int layer, int position) {
                return false;
            }

            @Override
            public void onAttention(HeadAttention attention) {
                calls[0]++;
            }
        };
        loaded.model().newForwardPass().forward(PROMPT, 0, loaded.model().newFullCache(), idle, false);
        assertEquals(0, calls[0]);
    }

    @Test
    void ropeUsesTheAbsolutePositionCounter() {
        // Keys cached for position p must equal the keys a fresh run computes at position p,
        // whatever the cache held before: here the first run starts at position 5 on an empty cache.
        ModelConfig c = loaded.config();
        KvCache offset = loaded.model().newFullCache();
        loaded.model().newForwardPass().forward(new int[] {1, 403}, 5, offset, null, false);
        assertEquals(5, offset.head(0, 0).position(0));
        assertEquals(6, offset.head(0, 0).position(1));

        KvCache fromZero = loaded.model().newFullCache();
        loaded.model().newForwardPass().forward(new int[] {1, 403, 407, 261, 378, 1}, 0, fromZero, null, false);
        float[] a = new float[c.headDim()];
        float[] b = new float[c.headDim()];
        offset.head(0, 1).readKey(0, a, 0);
        fromZero.head(0, 1).readKey(5, b, 0); // token 1 at position 5, layer 0: same input, same position
        assertArrayEquals(b, a, 1e-5f);
    }
}
