package dev.kvlens.inference.safetensors;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kvlens.inference.ModelFileException;
import java.io.IOException;
import java.nio.file.Path;

/** Strict JSON parsing for safetensors headers and shard indexes: duplicate keys and trailing junk are errors. */
final class SafetensorsJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private SafetensorsJson() {}

    /** Parses {@code json} as a JSON object; {@code offset} is where it starts in {@code file}. */
    static JsonNode parseObject(Path file, long offset, byte[] json, String what) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (IOException e) {
            String detail = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new ModelFileException(file, offset, what + " is not valid JSON: " + detail);
        }
        if (node == null || !node.isObject()) {
            throw new ModelFileException(file, offset, what + " is not a JSON object");
        }
        return node;
    }

    /** A non-negative integer that fits a long, or -1. */
    static long nonNegativeLong(JsonNode n) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
            return -1;
        }
        long v = n.longValue();
        return v < 0 ? -1 : v;
    }
}
