package dev.kvlens.inference.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the exported GGUF says about itself: {@code general.name}, {@code general.description}, and
 * training facts stored under {@code kvlens.training.*} (strings and numbers, in insertion order).
 */
public record ModelCard(String name, String description, Map<String, Object> facts) {

    public ModelCard {
        facts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(facts));
        for (Object v : facts.values()) {
            if (!(v instanceof String || v instanceof Long || v instanceof Integer || v instanceof Double
                    || v instanceof Float)) {
                throw new IllegalArgumentException("model card values are strings or numbers, got " + v);
            }
        }
    }
}
