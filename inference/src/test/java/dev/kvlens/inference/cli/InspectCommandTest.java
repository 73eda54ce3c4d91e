package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** Expected facts come from the shared/models README (read from the files' headers by other tools). */
class InspectCommandTest {

    private static JsonNode inspect(String model) throws Exception {
        CliResult r = Cli.run("inspect", "--model", model, "--json");
        assertEquals(0, r.exitCode(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void storiesFacts() throws Exception {
        JsonNode j = inspect(Cli.STORIES.toString());
        assertEquals("llama", j.get("architecture").asText());
        assertEquals(5, j.get("layers").asInt());
        assertEquals(64, j.get("dim").asInt());
        assertEquals(8, j.get("heads").asInt());
        assertEquals(4, j.get("kv_heads").asInt());
        assertEquals(8, j.get("head_dim").asInt());
        assertEquals(172, j.get("ffn_dim").asInt());
        assertEquals(2048, j.get("context_length").asInt());
        assertEquals(512, j.get("vocabulary_size").asInt());
        assertEquals(10000.0, j.get("rope").get("theta").asDouble());
        assertEquals(8, j.get("rope").get("dim").asInt());
        assertEquals("adjacent_pairs", j.get("rope").get("style").asText());
        assertEquals("none", j.get("rope").get("scaling").asText());
        assertEquals(48, j.get("tensor_types").get("F32").asInt());
        assertEquals(1, j.get("tensor_types").size());
        assertEquals(1_185_376, j.get("file_bytes").asLong());
        assertEquals(Files.size(Cli.STORIES), j.get("file_bytes").asLong());
        // Keys and values, 5 layers, 4 KV heads x 8 dims, 4 bytes: 2 * 5 * 32 * 4.
        assertEquals(1280, j.get("kv_bytes_per_token").asLong());
        assertTrue(j.get("parameters").asLong() >= 260_032, "at least the distinct weights");
        assertTrue(j.get("tokenizer").asText().toLowerCase().contains("llama"), j.get("tokenizer").asText());
    }

    @Test
    void huggingFaceFolderFacts() throws Exception {
        JsonNode j = inspect(Cli.TINYSTORIES_HF.toString());
        assertEquals(2, j.get("layers").asInt());
        assertEquals(128, j.get("dim").asInt());
        assertEquals(8, j.get("heads").asInt());
        assertEquals(4, j.get("kv_heads").asInt());
        assertEquals(16, j.get("head_dim").asInt());
        assertEquals(384, j.get("ffn_dim").asInt());
        assertEquals(512, j.get("context_length").asInt());
        assertEquals(2048, j.get("vocabulary_size").asInt());
        assertEquals("halves", j.get("rope").get("style").asText());
        assertEquals(2L * 2 * 64 * 4, j.get("kv_bytes_per_token").asLong());
    }

    @Test
    void tableNamesEveryFact() {
        CliResult r = Cli.run("inspect", "--model", Cli.LLAMA_SPM_VOCAB.getParent().getParent()
                .resolve("llama-2-tiny-random.gguf").toString());
        assertEquals(0, r.exitCode(), r.err());
        for (String label : new String[] {"architecture", "layers", "heads", "head dim", "FFN", "context",
                "vocabulary", "RoPE", "tensors", "parameters", "tokenizer", "KV cache"}) {
            assertTrue(r.out().contains(label), label + " in\n" + r.out());
        }
        // 12 tensors: the 2-D weights F16, the three norms F32 (shared/models README).
        assertTrue(r.out().contains("F16 x9") && r.out().contains("F32 x3"), r.out());
        assertTrue(r.out().contains("32000"), r.out());
    }
}
