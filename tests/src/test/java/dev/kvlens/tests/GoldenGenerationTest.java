package dev.kvlens.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@code kvlens generate --temperature 0 --json} against the greedy reference decodings: the
 * ids must agree up to the first near-tie of the reference logits.
 */
class GoldenGenerationTest {

    /** Below this top-1/top-2 margin a float32 engine may pick the other token. */
    private static final double TIE = 0.01;

    private static JsonNode generate(String model, String prompt, int maxTokens) throws Exception {
        KvLens.Run r = KvLens.run("generate", "--model", KvLens.MODELS.resolve(model).toString(), "--prompt", prompt,
                "--temperature", "0", "--max-tokens", Integer.toString(maxTokens), "--json");
        assertEquals(0, r.exitCode(), r.err());
        return Reference.parse(r.out());
    }

    private static void assertGreedy(JsonNode ref, JsonNode out, int steps) {
        assertArrayEquals(Reference.ints(ref.get("prompt_ids")), Reference.ints(out.get("prompt_ids")));
        int[] expected = Arrays.copyOf(Reference.ints(ref.get("generated_ids")), steps);
        assertArrayEquals(expected, Reference.ints(out.get("generated_ids")));
    }

    @Test
    void storiesFromBosReproducesKarpathysSample() throws Exception {
        JsonNode ref = Reference.read("stories260K.greedy.json").get("bos_only");
        int steps = Reference.stableSteps(ref, TIE);
        assertTrue(steps > 150, "steps " + steps);
        // An empty prompt is just BOS.
        JsonNode out = generate("stories260K.gguf", "", steps);
        assertGreedy(ref, out, steps);
        // Whether the space of the first word survives after BOS is a display choice; the words are not.
        assertTrue(out.get("text").asText().strip().startsWith("Once upon a time, there was a little girl named Lily."),
                out.get("text").asText());
    }

    @Test
    void storiesOnceUponATime() throws Exception {
        JsonNode ref = Reference.read("stories260K.greedy.json").get("once_upon_a_time");
        int steps = Reference.stableSteps(ref, TIE);
        JsonNode out = generate("stories260K.gguf", "Once upon a time", steps);
        assertGreedy(ref, out, steps);
        assertTrue(ref.get("generated_text").asText().startsWith(out.get("text").asText()));
    }

    @Test
    void tinyStoriesHuggingFaceFolder() throws Exception {
        JsonNode ref = Reference.read("tinystories-656k.greedy.json").get("once_upon_a_time");
        int steps = Reference.stableSteps(ref, TIE);
        assertTrue(steps > 20, "steps " + steps);
        JsonNode out = generate("tinystories-656k", "Once upon a time", steps);
        assertGreedy(ref, out, steps);
    }
}
