package dev.kvlens.inference.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kvlens.inference.policy.PolicyLane;
import dev.kvlens.inference.policy.FullKvPolicy;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The key spectrum: its measures on hand-worked values, and the keys a session hands out. */
class KeySpectrumTest {

    @BeforeAll
    static void load() throws java.io.IOException {
        SessionTest.load();
    }

    /**
     * Keys [[3, 0], [0, 4], [0, 0]]: singular values 4 and 3. Normalised 1 and 0.75; energy of the top
     * one 16 / 25 = 0.64; 90% needs both; effective rank exp(-(4/7 ln 4/7 + 3/7 ln 3/7)) = exp(0.682908) = 2 exp(-0.010239) = 1.97963.
     */
    @Test
    void measuresOfATwoValueSpectrum() {
        KeySpectrum s = KeySpectrum.of(new HeadKeys(1, 9, 2, 0, 2, new int[] {3, 5, 9}, new float[] {3, 0, 0, 4, 0, 0}));
        assertArrayEquals(new double[] {4, 3}, s.singularValues(), 1e-12);
        assertEquals(3, s.entries());
        assertEquals(2, s.headDim());
        assertArrayEquals(new double[] {1, 0.75}, s.normalised(), 1e-12);
        assertEquals(0.64, s.energyCaptured(1), 1e-12);
        assertEquals(1.0, s.energyCaptured(2), 1e-12);
        assertEquals(1, s.rankFor(0.6));
        assertEquals(2, s.rankFor(0.9));
        assertEquals(1.97963, s.effectiveRank(), 1e-5);
    }

    /** Rank one (every key a multiple of (1, 2)): effective rank 1, all energy in one value; zero keys: all 0. */
    @Test
    void rankOneAndZeroKeys() {
        KeySpectrum one = KeySpectrum.of(new HeadKeys(0, 2, 0, 0, 2, new int[] {0, 1, 2}, new float[] {1, 2, -2, -4, 3, 6}));
        assertEquals(1, one.effectiveRank(), 1e-6);
        assertEquals(1, one.rankFor(0.99));
        assertEquals(1, one.energyCaptured(1), 1e-12);
        KeySpectrum zero = KeySpectrum.of(new HeadKeys(0, 1, 0, 0, 2, new int[] {0, 1}, new float[4]));
        assertArrayEquals(new double[] {0, 0}, zero.normalised());
        assertEquals(0, zero.effectiveRank());
        assertEquals(0, zero.rankFor(0.9));
    }

    /**
     * The keys a session hands out are the lane's own: lane 0's equal those of a full-cache lane
     * prefilled separately on the same prompt (an independent run of the same forward pass); a
     * StreamingLLM lane with budget 12 hands out its 12 entries (sinks 0-3, the last 8 positions).
     */
    @Test
    void aSessionHandsOutEachLanesHeldKeys() {
        var stories = SessionTest.stories;
        int[] prompt = stories.tokenizer().encode(SessionTest.STORY, true, false);
        int n = prompt.length;
        var c = stories.model().config();
        try (Session s = new Session(stories, SessionSettings.generate(prompt, 4),
                LaneConfig.withFullReference(List.of(LaneConfig.parse("streamingllm", "12"))))) {
            HeadKeys before = s.headKeys(0, 0, 0).join();
            assertEquals(0, before.entries());
            assertEquals(-1, before.position());
            s.step().join();
            PolicyLane reference = new PolicyLane(stories.model(), FullKvPolicy.create());
            reference.prefill(prompt, null, false);
            int layer = c.layers() - 1, kvHead = c.kvHeads() - 1;
            HeadKeys full = s.headKeys(0, layer, kvHead).join();
            assertEquals(n, full.entries());
            assertEquals(n - 1, full.position());
            float[] expected = new float[n * c.headDim()];
            var store = reference.cache().head(layer, kvHead);
            for (int i = 0; i < n; i++) {
                assertEquals(i, full.positions()[i]);
                store.readKey(i, expected, i * c.headDim());
            }
            assertArrayEquals(expected, full.keys());

            HeadKeys streaming = s.headKeys(1, layer, kvHead).join();
            assertEquals(12, streaming.entries());
            assertArrayEquals(new int[] {0, 1, 2, 3, n - 8, n - 7, n - 6, n - 5, n - 4, n - 3, n - 2, n - 1},
                    streaming.positions());
            KeySpectrum spectrum = KeySpectrum.of(streaming);
            assertEquals(Math.min(12, c.headDim()), spectrum.singularValues().length);

            assertThrows(IllegalArgumentException.class, () -> s.headKeys(2, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> s.headKeys(0, c.layers(), 0));
            s.close();
            assertThrows(CompletionException.class, () -> s.headKeys(0, 0, 0).join());
        }
    }
}
