package dev.kvlens.inference.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.inference.sampling.GreedySampler;
import dev.kvlens.kernels.backend.BackendChoice;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The ND4J backend against the Vector API backend on real models: every prompt
 * position's logits and 64 greedy decode steps' logits within 1e-4 of the largest logit, and the
 * same greedy tokens.
 */
class BackendParityTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));
    private static final String PROMPT = "Once upon a time, there was a little girl named Lily. She loved to play"
            + " outside in the park with her friends.";
    private static final int GREEDY_STEPS = 64;
    private static final double RELATIVE = 1e-4;

    /** Prompt logits (one row per position), then the logits of each greedy step, and the tokens chosen. */
    private record Run(float[][] logits, int[] tokens) {
    }

    private static Run greedy(LoadedModel loaded, int[] prompt) {
        ForwardPass pass = loaded.model().newForwardPass();
        KvCache cache = loaded.model().newFullCache();
        int vocab = loaded.config().vocabularySize();
        float[][] logits = new float[prompt.length + GREEDY_STEPS][];
        float[] all = pass.forward(prompt, 0, cache, null, true);
        for (int p = 0; p < prompt.length; p++) {
            logits[p] = Arrays.copyOfRange(all, p * vocab, (p + 1) * vocab);
        }
        int[] tokens = new int[GREEDY_STEPS];
        float[] last = logits[prompt.length - 1];
        for (int i = 0; i < GREEDY_STEPS; i++) {
            tokens[i] = GreedySampler.argmax(last, 0, vocab);
            last = pass.forward(new int[] {tokens[i]}, prompt.length + i, cache, null, false);
            logits[prompt.length + i] = last;
        }
        return new Run(logits, tokens);
    }

    @ParameterizedTest
    @CsvSource({"stories260K.gguf, ND4J", "tinystories-656k, ND4J"})
    void logitsWithin1e4OfTheVectorApiAndTheSameGreedyTokens(String model, BackendChoice choice) {
        try (LoadedModel cpu = ModelLoader.load(MODELS.resolve(model));
             LoadedModel other = ModelLoader.load(MODELS.resolve(model)).withBackend(choice)) {
            assertEquals(choice, other.backend().choice());
            int[] prompt = cpu.tokenizer().encode(PROMPT, true, true);
            assertTrue(prompt.length >= 16, "the prompt must be long enough for matrix-matrix products");
            Run expected = greedy(cpu, prompt);
            Run actual = greedy(other, prompt);
            for (int p = 0; p < expected.logits().length; p++) {
                float[] e = expected.logits()[p];
                float[] a = actual.logits()[p];
                double scale = 0;
                double worst = 0;
                for (int i = 0; i < e.length; i++) {
                    scale = Math.max(scale, Math.abs(e[i]));
                    worst = Math.max(worst, Math.abs(e[i] - a[i]));
                }
                assertTrue(worst <= RELATIVE * scale, model + " " + choice + " position " + p
                        + ": largest logit difference " + worst + " > 1e-4 x " + scale);
            }
            assertArrayEquals(expected.tokens(), actual.tokens(), model + " " + choice + ": greedy tokens");
        }
    }
}
