package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

class GenerateCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }

    private static JsonNode reference() throws Exception {
        return JSON.readTree(Cli.MODELS.resolve("reference/stories260K.greedy.json").toFile()).get("once_upon_a_time");
    }

    @Test
    void greedyJsonMatchesReferenceIds() throws Exception {
        CliResult r = Cli.run("generate", "--model", Cli.STORIES.toString(), "--prompt", "Once upon a time",
                "--temperature", "0", "--max-tokens", "20", "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(1, r.out().strip().lines().count(), "stdout holds exactly one JSON object");
        JsonNode out = JSON.readTree(r.out());
        JsonNode ref = reference();
        assertArrayEquals(ints(ref.get("prompt_ids")), ints(out.get("prompt_ids")));
        assertArrayEquals(Arrays.copyOf(ints(ref.get("generated_ids")), 20), ints(out.get("generated_ids")));
        assertTrue(ref.get("generated_text").asText().startsWith(out.get("text").asText()),
                "text " + out.get("text") + " is a prefix of the reference text");
        assertEquals("limit", out.get("stop_reason").asText());
        for (String key : List.of("prefill_tok_s", "decode_tok_s")) {
            assertTrue(out.get(key).asDouble() > 0, key);
        }
    }

    @Test
    void streamsTheContinuationAsText() throws Exception {
        CliResult r = Cli.run("generate", "-m", Cli.STORIES.toString(), "-p", "Once upon a time",
                "--temperature", "0", "-n", "12");
        assertEquals(0, r.exitCode(), r.err());
        String expected = reference().get("generated_text").asText();
        String text = r.out().stripTrailing();
        assertTrue(text.length() > 20 && expected.startsWith(text), "got: " + text);
        assertTrue(r.err().contains("tok/s"), "timings go to stderr: " + r.err());
    }

    @Test
    void seededSamplingRepeatsExactly() throws Exception {
        String[] args = {"generate", "-m", Cli.STORIES.toString(), "-p", "Once upon a time", "--temperature", "1.0",
                "--top-k", "0", "--top-p", "1", "--seed", "42", "-n", "24", "--json"};
        JsonNode a = JSON.readTree(Cli.run(args).out());
        JsonNode b = JSON.readTree(Cli.run(args).out());
        assertEquals(a.get("generated_ids"), b.get("generated_ids"));
        assertEquals(42, a.get("seed").asLong());
        assertEquals(24, a.get("generated_ids").size());
    }

    @Test
    void maxTokensZeroGeneratesNothing() throws Exception {
        CliResult r = Cli.run("generate", "-m", Cli.STORIES.toString(), "-p", "Once", "-n", "0", "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(0, JSON.readTree(r.out()).get("generated_ids").size());
    }
}
