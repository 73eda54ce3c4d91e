package dev.kvlens.inference.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.inference.sampling.GreedySampler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The forward pass against reference outputs computed outside this project (float64 numpy, see
 * ../shared/models/README.md): greedy tokens, top-5 logits at every position, full logits.
 */
class ReferenceOutputsTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));

    private static JsonNode reference(String name) throws IOException {
        return new ObjectMapper().readTree(MODELS.resolve("reference").resolve(name).toFile());
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /**
     * Runs the prompt as one batch (all logits kept), then greedy single-token steps, until
     * {@code positions} forward positions are done or {@code stopToken} is produced.
     * Returns the generated ids; fills {@code logitsPerPosition}.
     */
    private static int[] greedy(LoadedModel loaded, int[] prompt, int positions, int stopToken,
                                float[][] logitsPerPosition) {
        ForwardPass pass = loaded.model().newForwardPass();
        KvCache cache = loaded.model().newFullCache();
        int vocab = loaded.config().vocabularySize();
        float[] all = pass.forward(prompt, 0, cache, null, true);
        for (int p = 0; p < prompt.length; p++) {
            logitsPerPosition[p] = Arrays.copyOfRange(all, p * vocab, (p + 1) * vocab);
        }
        int[] generated = new int[positions];
        int count = 0;
        float[] logits = logitsPerPosition[prompt.length - 1];
        for (int position = prompt.length; ; position++) {
            int next = GreedySampler.argmax(logits, 0, vocab);
            generated[count++] = next;
            if (next == stopToken || position >= positions) {
                break;
            }
            logits = pass.forward(new int[] {next}, position, cache, null, false);
            logitsPerPosition[position] = logits;
        }
        return Arrays.copyOf(generated, count);
    }

    private static void assertTop5(JsonNode top5PerPosition, float[][] logits, double tolerance) {
        for (int p = 0; p < top5PerPosition.size(); p++) {
            JsonNode top5 = top5PerPosition.get(p);
            for (JsonNode pair : top5) {
                int id = pair.get(0).asInt();
                double expected = pair.get(1).asDouble();
                assertEquals(expected, logits[p][id], tolerance, "logit of token " + id + " at position " + p);
            }
        }
    }

    private static void assertFullLogits(JsonNode expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.size(), actual.length, what + ": vocabulary size");
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(expected.get(i).asDouble() - actual[i]));
        }
        assertTrue(worst <= tolerance, what + ": largest logit difference " + worst + " > " + tolerance);
    }

    @Test
    void stories260kGreedyFromBosMatchesAll256Tokens() throws IOException {
        JsonNode ref = reference("stories260K.greedy.json");
        try (LoadedModel loaded = ModelLoader.load(MODELS.resolve("stories260K.gguf"))) {
            for (String name : new String[] {"bos_only", "once_upon_a_time"}) {
                JsonNode run = ref.get(name);
                int[] prompt = ints(run.get("prompt_ids"));
                int steps = run.get("steps").asInt();
                float[][] logits = new float[steps][];
                // The reference stops only when BOS (id 1) is produced, as llama2.c's run.c does.
                int[] generated = greedy(loaded, prompt, steps, 1, logits);
                assertArrayEquals(ints(run.get("generated_ids")), generated, name + ": greedy ids");
                assertTop5(run.get("top5_logits_per_position"), logits, 1e-3);
                JsonNode full = run.get("full_logits_positions_0_1");
                assertFullLogits(full.get(0), logits[0], 1e-3, name + " position 0");
                assertFullLogits(full.get(1), logits[1], 1e-3, name + " position 1");
            }
        }
    }

    @Test
    void tinystoriesSafetensorsGreedyMatchesReference() throws IOException {
        JsonNode run = reference("tinystories-656k.greedy.json").get("once_upon_a_time");
        try (LoadedModel loaded = ModelLoader.load(MODELS.resolve("tinystories-656k"))) {
            int[] prompt = ints(run.get("prompt_ids"));
            assertArrayEquals(prompt, loaded.tokenizer().encode(run.get("prompt_text").asText(), true, true),
                    "prompt tokenisation");
            int positions = run.get("max_positions").asInt();
            float[][] logits = new float[positions + 1][];
            int[] generated = greedy(loaded, prompt, positions, 2, logits);
            assertArrayEquals(ints(run.get("generated_ids")), generated, "greedy ids");
            assertTop5(run.get("top5_logits_per_position"), logits, 1e-3);
            JsonNode full = run.get("full_logits_positions_0_1");
            assertFullLogits(full.get(0), logits[0], 1e-3, "position 0");
            assertFullLogits(full.get(1), logits[1], 1e-3, "position 1");
        }
    }

    @Test
    void llama2TinyRandomLogitsWithin1e3() throws IOException {
        JsonNode ref = reference("llama-2-tiny-random.greedy.json");
        try (LoadedModel loaded = ModelLoader.load(MODELS.resolve("llama-2-tiny-random.gguf"))) {
            for (String name : new String[] {"bos_only", "hello_world"}) {
                JsonNode run = ref.get(name);
                int[] prompt = ints(run.get("prompt_ids"));
                JsonNode top5 = run.get("top5_logits_per_position");
                // Teacher-forced along the reference's own ids: greedy ids are fragile on random weights.
                int[] ids = ints(run.get("generated_ids"));
                int[] tokens = new int[prompt.length + ids.length - 1];
                System.arraycopy(prompt, 0, tokens, 0, prompt.length);
                System.arraycopy(ids, 0, tokens, prompt.length, ids.length - 1);
                int vocab = loaded.config().vocabularySize();
                float[] all = loaded.model().newForwardPass().forward(tokens, 0, loaded.model().newFullCache(), null, true);
                float[][] logits = new float[tokens.length][];
                for (int p = 0; p < tokens.length; p++) {
                    logits[p] = Arrays.copyOfRange(all, p * vocab, (p + 1) * vocab);
                }
                assertTop5(top5, logits, 1e-3);
                if (run.has("full_logits_position_0")) {
                    assertFullLogits(run.get("full_logits_position_0").get(0), logits[0], 1e-3, name + " position 0");
                }
            }
        }
    }
}
