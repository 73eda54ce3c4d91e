package dev.kvlens.inference.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SamplerTest {

    @Test
    void greedyTakesTheLargestAndTheLowestIdOnTies() {
        assertEquals(2, Sampler.of(SamplingSettings.GREEDY).sample(new float[] {0.1f, 0.5f, 0.9f, -1f}));
        assertEquals(1, new GreedySampler().sample(new float[] {0f, 3f, 3f, 2f}));
    }

    @Test
    void sameSeedSameTokensOtherSeedOtherTokens() {
        float[] logits = new float[50];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.sin(i);
        }
        int[] a = draw(new SamplingSettings(1f, 0, 1f, 42), logits, 200);
        int[] b = draw(new SamplingSettings(1f, 0, 1f, 42), logits, 200);
        int[] c = draw(new SamplingSettings(1f, 0, 1f, 43), logits, 200);
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        assertTrue(!java.util.Arrays.equals(a, c), "another seed should change the draws");
    }

    @Test
    void topKKeepsOnlyTheKMostLikely() {
        float[] logits = {5f, 1f, 4f, 0f, 3f};
        for (int token : draw(new SamplingSettings(2f, 2, 1f, 7), logits, 500)) {
            assertTrue(token == 0 || token == 2, "token " + token + " is outside the top 2");
        }
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // Probabilities at temperature 1: about 0.665, 0.245, 0.090 -> p = 0.8 keeps the first two.
        float[] logits = {2f, 1f, 0f};
        int[] counts = new int[3];
        for (int token : draw(new SamplingSettings(1f, 0, 0.8f, 3), logits, 2000)) {
            counts[token]++;
        }
        assertEquals(0, counts[2]);
        // Renormalised over {0, 1}: 0.731 / 0.269.
        assertEquals(0.731, counts[0] / 2000.0, 0.04);
    }

    @Test
    void temperatureSamplingFollowsTheSoftmax() {
        float[] logits = {0f, (float) Math.log(3)}; // probabilities 1/4, 3/4 at temperature 1
        int ones = 0;
        for (int token : draw(new SamplingSettings(1f, 0, 1f, 11), logits, 4000)) {
            ones += token;
        }
        assertEquals(0.75, ones / 4000.0, 0.03);
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(-1f, 0, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(1f, -3, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(1f, 0, 1.5f, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(1f, 0, 0f, 0));
    }

    private static int[] draw(SamplingSettings settings, float[] logits, int n) {
        Sampler sampler = Sampler.of(settings);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = sampler.sample(logits.clone());
        }
        return out;
    }
}
