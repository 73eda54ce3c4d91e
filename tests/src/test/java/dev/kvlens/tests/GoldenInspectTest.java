package dev.kvlens.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** {@code kvlens inspect --json} against the header facts listed in shared/models/README.md. */
class GoldenInspectTest {

    @Test
    void llama2TinyRandom() throws Exception {
        KvLens.Run r = KvLens.run("inspect", "--model", KvLens.MODELS.resolve("llama-2-tiny-random.gguf").toString(),
                "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = Reference.parse(r.out());
        assertEquals("LLaMA v2", j.get("name").asText());
        assertEquals(1_750_560, j.get("file_bytes").asLong());
        assertEquals(1, j.get("layers").asInt());
        assertEquals(8, j.get("dim").asInt());
        assertEquals(2, j.get("heads").asInt());
        assertEquals(2, j.get("kv_heads").asInt());
        assertEquals(4, j.get("head_dim").asInt());
        assertEquals(32, j.get("ffn_dim").asInt());
        assertEquals(4096, j.get("context_length").asInt());
        assertEquals(32000, j.get("vocabulary_size").asInt());
        assertEquals(4, j.get("rope").get("dim").asInt());
        assertEquals(9, j.get("tensor_types").get("F16").asInt());
        assertEquals(3, j.get("tensor_types").get("F32").asInt());
        // 2 (K and V) x 1 layer x 2 KV heads x 4 dims x 4 bytes.
        assertEquals(64, j.get("kv_bytes_per_token").asLong());
    }
}
