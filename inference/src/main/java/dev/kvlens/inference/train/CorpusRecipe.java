package dev.kvlens.inference.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The recipe's {@code "corpus"} section:
 * <pre>{"context_tokens": 512, "full_context_share": 0.5,
 *  "mix": {"passkey": 3, "needle": 3, "name_recall": 3, "hidden_number": 1, "fact_recall": 1,
 *          "key_value": 2, "copy": 2, "numbers": 3, "story": 2}}</pre>
 *
 * @param contextTokens    the model's context: documents (with BOS and EOS) are sized to fit it
 * @param fullContextShare the share of documents whose filler fills the whole context; the others
 *                         draw a length uniformly up to it
 * @param mix              relative weight of each document kind (absent kinds weigh 0)
 */
public record CorpusRecipe(int contextTokens, double fullContextShare, Map<DocumentKind, Double> mix) {

    public static final int MIN_CONTEXT = 64;
    public static final int MAX_CONTEXT = 1 << 16;

    private static final Set<String> FIELDS = Set.of("context_tokens", "full_context_share", "mix");

    /** @throws IllegalArgumentException with the field and the reason */
    public CorpusRecipe {
        if (contextTokens < MIN_CONTEXT || contextTokens > MAX_CONTEXT) {
            throw new IllegalArgumentException("corpus.context_tokens must be between " + MIN_CONTEXT + " and "
                    + MAX_CONTEXT + ", got " + contextTokens);
        }
        if (!(fullContextShare >= 0 && fullContextShare <= 1)) {
            throw new IllegalArgumentException("corpus.full_context_share must be between 0 and 1, got "
                    + fullContextShare);
        }
        EnumMap<DocumentKind, Double> copy = new EnumMap<>(DocumentKind.class);
        double total = 0;
        for (Map.Entry<DocumentKind, Double> e : mix.entrySet()) {
            double w = e.getValue();
            if (!(w >= 0 && Double.isFinite(w))) {
                throw new IllegalArgumentException("corpus.mix." + e.getKey().key + " must be a weight >= 0, got " + w);
            }
            copy.put(e.getKey(), w);
            total += w;
        }
        if (!(total > 0)) {
            throw new IllegalArgumentException("corpus.mix needs at least one weight above 0; kinds: "
                    + DocumentKind.keys());
        }
        mix = Collections.unmodifiableMap(copy);
    }

    /** The teaching model's mix: most weight on the three probe formats it is measured with, and on copying. */
    public static CorpusRecipe defaults(int contextTokens) {
        EnumMap<DocumentKind, Double> mix = new EnumMap<>(DocumentKind.class);
        mix.put(DocumentKind.PASSKEY, 0.15);
        mix.put(DocumentKind.NEEDLE, 0.15);
        mix.put(DocumentKind.NAME_RECALL, 0.15);
        mix.put(DocumentKind.HIDDEN_NUMBER, 0.05);
        mix.put(DocumentKind.FACT_RECALL, 0.05);
        mix.put(DocumentKind.KEY_VALUE, 0.1);
        mix.put(DocumentKind.COPY, 0.1);
        mix.put(DocumentKind.NUMBERS, 0.15);
        mix.put(DocumentKind.STORY, 0.1);
        return new CorpusRecipe(contextTokens, 0.5, mix);
    }

    /**
     * Reads the section; absent fields take {@link #defaults}' values (absent "mix": the default mix).
     *
     * @throws IllegalArgumentException naming the field for unknown fields, wrong types or bad values
     */
    public static CorpusRecipe fromJson(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            throw new IllegalArgumentException("the recipe has no \"corpus\" section");
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException("\"corpus\" must be an object, got " + n.getNodeType());
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new IllegalArgumentException("unknown field corpus." + f + "; valid fields: "
                        + String.join(", ", List.of("context_tokens", "full_context_share", "mix")));
            }
        }
        int context = n.has("context_tokens") ? intField(n.get("context_tokens"), "corpus.context_tokens") : 512;
        CorpusRecipe d = defaults(context);
        double share = n.has("full_context_share")
                ? numberField(n.get("full_context_share"), "corpus.full_context_share") : d.fullContextShare();
        Map<DocumentKind, Double> mix = d.mix();
        if (n.has("mix")) {
            mix = readMix(n.get("mix"), "corpus.mix");
        }
        return new CorpusRecipe(context, share, mix);
    }

    /**
     * A {@code "mix"} object: weights by document kind.
     *
     * @param name the key's path in the recipe, for messages
     * @throws IllegalArgumentException naming the key for unknown kinds or non-numbers
     */
    static Map<DocumentKind, Double> readMix(JsonNode m, String name) {
        if (!m.isObject()) {
            throw new IllegalArgumentException(name + " must be an object of weights, got " + m.getNodeType());
        }
        EnumMap<DocumentKind, Double> read = new EnumMap<>(DocumentKind.class);
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            DocumentKind kind;
            try {
                kind = DocumentKind.byKey(e.getKey());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(name + ": " + ex.getMessage());
            }
            read.put(kind, numberField(e.getValue(), name + "." + e.getKey()));
        }
        return read;
    }

    private static int intField(JsonNode v, String name) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException(name + " must be a whole number, got " + v);
        }
        return v.intValue();
    }

    private static double numberField(JsonNode v, String name) {
        if (!v.isNumber()) {
            throw new IllegalArgumentException(name + " must be a number, got " + v);
        }
        return v.doubleValue();
    }
}
