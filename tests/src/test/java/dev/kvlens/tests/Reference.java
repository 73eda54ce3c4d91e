package dev.kvlens.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.stream.StreamSupport;

/** Reads the reference outputs in shared/models/reference (computed outside KV Lens). */
final class Reference {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Reference() {
    }

    static JsonNode read(String file) throws IOException {
        return JSON.readTree(KvLens.MODELS.resolve("reference").resolve(file).toFile());
    }

    static JsonNode parse(String json) throws IOException {
        return JSON.readTree(json);
    }

    static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }

    /**
     * How many generated ids a float32 engine must reproduce: those chosen before the first
     * position where the reference's top two logits are closer than {@code margin} (there, summation
     * order may legitimately flip the choice).
     */
    static int stableSteps(JsonNode run, double margin) {
        int promptLength = run.get("prompt_ids").size();
        int generated = run.get("generated_ids").size();
        for (JsonNode tie : run.get("near_ties_margin_lt_0.05")) {
            if (tie.get(1).asDouble() < margin) {
                // Logits after position p choose generated id number p - (promptLength - 1).
                return Math.min(generated, tie.get(0).asInt() - (promptLength - 1));
            }
        }
        return generated;
    }
}
