package dev.kvlens.inference.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A whole training recipe file:
 * <pre>{"seed": 8,
 *  "corpus": {...},                                   (see CorpusRecipe)
 *  "tokenizer": {"vocab_size": 1024, "sample_documents": 4000},
 *  "model": {"layers": 4, "dim": 128, "heads": 4, "kv_heads": 2, "ffn": 384, "context": 512,
 *            "rope_theta": 10000, "norm_eps": 1e-5},
 *  "training": {"steps": 1000, "batch": 16, "learning_rate": 2e-3, "min_learning_rate": 2e-4,
 *               "warmup_steps": 50, "beta1": 0.9, "beta2": 0.95, "weight_decay": 0.0,
 *               "gradient_clip": 1.0, "init_std": 0.02, "log_every": 10, "answer_weight": 1,
 *               "phases": [{"context": 128, "steps": 800, "batch": 64, "mix": {"numbers": 1}},
 *                          {"context": 512, "steps": 200}]},
 *  "output": {"name": "...", "description": "...", "type": "f32"}}</pre>
 * Optional: {@code tokenizer.sample_documents} (2000), {@code model.kv_heads} (= heads),
 * {@code rope_theta} (10000), {@code norm_eps} (1e-5), every training key after {@code warmup_steps}
 * (values above; {@code min_learning_rate} defaults to a tenth of {@code learning_rate}), and the
 * whole {@code output} section. Without {@code phases} every step trains at the model's context with
 * {@code batch} windows; with them, the phases run in order, their steps add up to {@code steps}
 * (the learning-rate schedule spans them all), each context is at most the model's, a phase's mix
 * (as corpus.mix) defaults to the corpus's, and its batch defaults to the one with the tokens of {@code batch} windows of the model's context. Unknown keys are errors (a typo must not silently train the default).
 *
 * @param tokenizerDocuments how many corpus documents (0, 1, ...) the BPE vocabulary is trained on
 * @param text               the file's text, stored in the model card
 */
public record TrainingRecipe(long seed, CorpusRecipe corpus, int vocabSize, int tokenizerDocuments, ModelShape model,
                             TrainingSettings training, List<TrainingPhase> phases, String name, String description,
                             String weightType, String text) {

    public TrainingRecipe {
        phases = List.copyOf(phases);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads and checks {@code file}; every problem is a {@link BadRecipeException} naming the file and key. */
    public static TrainingRecipe read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new BadRecipeException("recipe " + file + ": no such file");
        } catch (IOException e) {
            throw new BadRecipeException("recipe " + file + ": cannot read: " + e.getMessage(), e);
        }
        try {
            return parse(text);
        } catch (BadRecipeException e) {
            throw new BadRecipeException("recipe " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses recipe text; problems are {@link BadRecipeException}s naming the key. */
    public static TrainingRecipe parse(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadRecipeException("not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + "): " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new BadRecipeException("must be a JSON object with seed, corpus, tokenizer, model and training");
        }
        allowOnly(root, "", Set.of("seed", "corpus", "tokenizer", "model", "training", "output"));
        long seed = longValue(required(root, "", "seed"), "seed");
        CorpusRecipe corpus;
        try {
            corpus = CorpusRecipe.fromJson(root.get("corpus"));
        } catch (BadRecipeException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new BadRecipeException(e.getMessage(), e);
        }

        JsonNode tok = section(root, "tokenizer");
        allowOnly(tok, "tokenizer.", Set.of("vocab_size", "sample_documents"));
        int vocab = intValue(required(tok, "tokenizer.", "vocab_size"), "tokenizer.vocab_size");
        if (vocab < 258 || vocab > 65536) {
            throw new BadRecipeException("tokenizer.vocab_size must be between 258 (256 bytes, BOS, EOS) and 65536, got "
                    + vocab);
        }
        int sample = tok.has("sample_documents") ? intValue(tok.get("sample_documents"), "tokenizer.sample_documents") : 2000;
        if (sample < 1 || sample > 1_000_000) {
            throw new BadRecipeException("tokenizer.sample_documents must be between 1 and 1000000, got " + sample);
        }

        JsonNode m = section(root, "model");
        allowOnly(m, "model.", Set.of("layers", "dim", "heads", "kv_heads", "ffn", "context", "rope_theta", "norm_eps"));
        int heads = intValue(required(m, "model.", "heads"), "model.heads");
        ModelShape shape = new ModelShape(
                intValue(required(m, "model.", "layers"), "model.layers"),
                intValue(required(m, "model.", "dim"), "model.dim"),
                heads,
                m.has("kv_heads") ? intValue(m.get("kv_heads"), "model.kv_heads") : heads,
                intValue(required(m, "model.", "ffn"), "model.ffn"),
                intValue(required(m, "model.", "context"), "model.context"),
                (float) number(m, "model.", "rope_theta", 10000),
                (float) number(m, "model.", "norm_eps", 1e-5));
        if (corpus.contextTokens() != shape.context()) {
            throw new BadRecipeException("corpus.context_tokens " + corpus.contextTokens()
                    + " must equal model.context " + shape.context() + " (documents are sized to the model's context)");
        }

        JsonNode t = section(root, "training");
        allowOnly(t, "training.", Set.of("steps", "batch", "learning_rate", "min_learning_rate", "warmup_steps", "beta1",
                "beta2", "weight_decay", "gradient_clip", "init_std", "log_every", "answer_weight", "phases"));
        double lr = number(t, "training.", "learning_rate", Double.NaN);
        TrainingSettings settings = new TrainingSettings(
                intValue(required(t, "training.", "steps"), "training.steps"),
                intValue(required(t, "training.", "batch"), "training.batch"),
                lr,
                number(t, "training.", "min_learning_rate", lr / 10),
                intValue(required(t, "training.", "warmup_steps"), "training.warmup_steps"),
                number(t, "training.", "beta1", 0.9),
                number(t, "training.", "beta2", 0.95),
                number(t, "training.", "weight_decay", 0.0),
                number(t, "training.", "gradient_clip", 1.0),
                number(t, "training.", "init_std", 0.02),
                t.has("log_every") ? intValue(t.get("log_every"), "training.log_every") : 10,
                number(t, "training.", "answer_weight", 1));
        List<TrainingPhase> phases = phases(t.get("phases"), shape, settings);

        String name = "kvlens-teaching-" + shape.layers() + "L-" + shape.dim() + "d-seed" + seed;
        String description = "A small Llama trained by KV Lens on its synthetic retrieval corpus.";
        String type = "f32";
        if (root.has("output")) {
            JsonNode o = section(root, "output");
            allowOnly(o, "output.", Set.of("name", "description", "type"));
            name = o.has("name") ? string(o.get("name"), "output.name") : name;
            description = o.has("description") ? string(o.get("description"), "output.description") : description;
            type = o.has("type") ? string(o.get("type"), "output.type") : type;
            if (!List.of("f32", "f16").contains(type)) {
                throw new BadRecipeException("output.type must be f32 or f16, got \"" + type + "\"");
            }
        }
        return new TrainingRecipe(seed, corpus, vocab, sample, shape, settings, phases, name, description, type, text);
    }

    /** The corpus of a phase: its mix (or the recipe's), with documents sized to the phase's context. */
    public CorpusRecipe corpusFor(TrainingPhase phase) {
        return new CorpusRecipe(phase.context(), corpus.fullContextShare(),
                phase.mix().isEmpty() ? corpus.mix() : phase.mix());
    }

    private static List<TrainingPhase> phases(JsonNode n, ModelShape shape, TrainingSettings settings) {
        if (n == null || n.isNull()) {
            return List.of(new TrainingPhase(shape.context(), settings.steps(), settings.batch()));
        }
        if (!n.isArray() || n.isEmpty()) {
            throw new BadRecipeException("training.phases must be a non-empty array of {context, steps, batch}");
        }
        List<TrainingPhase> phases = new java.util.ArrayList<>();
        long steps = 0;
        for (int i = 0; i < n.size(); i++) {
            JsonNode p = n.get(i);
            String prefix = "training.phases[" + i + "].";
            if (!p.isObject()) {
                throw new BadRecipeException(prefix.substring(0, prefix.length() - 1) + " must be an object");
            }
            allowOnly(p, prefix, Set.of("context", "steps", "batch", "mix"));
            int context = intValue(required(p, prefix, "context"), prefix + "context");
            if (context > shape.context()) {
                throw new BadRecipeException(prefix + "context " + context + " exceeds model.context " + shape.context());
            }
            int batch = p.has("batch") ? intValue(p.get("batch"), prefix + "batch")
                    : Math.max(1, (int) ((long) settings.batch() * shape.context() / Math.max(1, context)));
            java.util.Map<DocumentKind, Double> mix = java.util.Map.of();
            if (p.has("mix")) {
                try {
                    mix = CorpusRecipe.readMix(p.get("mix"), prefix + "mix");
                    new CorpusRecipe(context, 0, mix); // the same checks as corpus.mix
                } catch (BadRecipeException e) {
                    throw e;
                } catch (IllegalArgumentException e) {
                    throw new BadRecipeException(e.getMessage().replace("corpus.mix", prefix + "mix"), e);
                }
            }
            TrainingPhase phase = new TrainingPhase(context, intValue(required(p, prefix, "steps"), prefix + "steps"),
                    batch, mix);
            steps += phase.steps();
            phases.add(phase);
        }
        if (steps != settings.steps()) {
            throw new BadRecipeException("training.phases add up to " + steps + " steps, training.steps is "
                    + settings.steps());
        }
        return phases;
    }

    private static JsonNode section(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            throw new BadRecipeException("missing section \"" + key + "\"");
        }
        if (!n.isObject()) {
            throw new BadRecipeException("\"" + key + "\" must be an object, got " + n.getNodeType().name().toLowerCase());
        }
        return n;
    }

    private static JsonNode required(JsonNode n, String prefix, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            throw new BadRecipeException("missing " + prefix + key);
        }
        return v;
    }

    private static void allowOnly(JsonNode n, String prefix, Set<String> keys) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!keys.contains(k)) {
                throw new BadRecipeException("unknown key " + prefix + k + " (known: " + String.join(", ",
                        keys.stream().sorted().toList()) + ")");
            }
        }
    }

    private static int intValue(JsonNode v, String key) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new BadRecipeException(key + " must be a whole number, got " + v);
        }
        return v.intValue();
    }

    private static long longValue(JsonNode v, String key) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new BadRecipeException(key + " must be a whole number, got " + v);
        }
        return v.longValue();
    }

    private static double number(JsonNode n, String prefix, String key, double absent) {
        JsonNode v = n.get(key);
        if (v == null) {
            if (Double.isNaN(absent)) {
                throw new BadRecipeException("missing " + prefix + key);
            }
            return absent;
        }
        if (!v.isNumber()) {
            throw new BadRecipeException(prefix + key + " must be a number, got " + v);
        }
        return v.doubleValue();
    }

    private static String string(JsonNode v, String key) {
        if (!v.isTextual()) {
            throw new BadRecipeException(key + " must be a string, got " + v);
        }
        return v.textValue();
    }
}
