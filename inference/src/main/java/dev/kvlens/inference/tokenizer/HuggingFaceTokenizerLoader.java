package dev.kvlens.inference.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvlens.inference.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads tokenizer.json (+ tokenizer_config.json, generation_config.json) into a {@link HuggingFaceTokenizer}. */
final class HuggingFaceTokenizerLoader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    private HuggingFaceTokenizerLoader(Path file) {
        this.file = file;
    }

    static Tokenizer load(Path modelDir) {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelFileException(file, "no tokenizer.json in " + modelDir);
        }
        return new HuggingFaceTokenizerLoader(file).load(readJson(file), readOptional(modelDir.resolve("tokenizer_config.json")),
                readOptional(modelDir.resolve("generation_config.json")));
    }

    private static JsonNode readJson(Path f) {
        try {
            return JSON.readTree(f.toFile());
        } catch (JacksonException e) {
            throw new ModelFileException(f, "malformed JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() : ""));
        } catch (IOException e) {
            throw new ModelFileException(f, "cannot read: " + e.getMessage(), e);
        }
    }

    private static JsonNode readOptional(Path f) {
        return Files.isRegularFile(f) ? readJson(f) : null;
    }

    private ModelFileException bad(String what) {
        return new ModelFileException(file, "malformed tokenizer.json: " + what);
    }

    private JsonNode field(JsonNode node, String name, String path) {
        JsonNode v = node == null ? null : node.get(name);
        if (v == null || v.isNull()) {
            throw bad("missing field '" + path + "'");
        }
        return v;
    }

    private String text(JsonNode node, String name, String path) {
        JsonNode v = field(node, name, path);
        if (!v.isTextual()) {
            throw bad("field '" + path + "' must be a string");
        }
        return v.asText();
    }

    private Tokenizer load(JsonNode root, JsonNode config, JsonNode generation) {
        if (!root.isObject()) {
            throw bad("the top level must be an object");
        }
        JsonNode modelNode = field(root, "model", "model");
        String type = modelNode.path("type").asText("BPE");
        if (!type.equals("BPE")) {
            throw new ModelFileException(file, "tokenizer.json model type '" + type + "' is not supported; supported: BPE");
        }
        if (!modelNode.path("continuing_subword_prefix").isNull() && !modelNode.path("continuing_subword_prefix").isMissingNode()
                || !modelNode.path("end_of_word_suffix").isNull() && !modelNode.path("end_of_word_suffix").isMissingNode()) {
            throw new ModelFileException(file, "tokenizer.json BPE with continuing_subword_prefix/end_of_word_suffix is not supported");
        }
        JsonNode vocabNode = field(modelNode, "vocab", "model.vocab");
        if (!vocabNode.isObject()) {
            throw bad("field 'model.vocab' must be an object of token -> id");
        }
        Map<String, Integer> vocab = HashMap.newHashMap(vocabNode.size());
        int maxId = -1;
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw bad("model.vocab['" + e.getKey() + "'] must be a non-negative integer id");
            }
            int id = e.getValue().asInt();
            vocab.put(e.getKey(), id);
            maxId = Math.max(maxId, id);
        }
        List<HuggingFaceTokenizer.AddedToken> added = new ArrayList<>();
        JsonNode addedNode = root.path("added_tokens");
        for (int i = 0; i < addedNode.size(); i++) {
            JsonNode t = addedNode.get(i);
            String path = "added_tokens[" + i + "]";
            JsonNode idNode = field(t, "id", path + ".id");
            if (!idNode.canConvertToInt() || idNode.asInt() < 0) {
                throw bad("field '" + path + ".id' must be a non-negative integer");
            }
            HuggingFaceTokenizer.AddedToken tok = new HuggingFaceTokenizer.AddedToken(idNode.asInt(),
                    text(t, "content", path + ".content"), t.path("special").asBoolean(false),
                    t.path("normalized").asBoolean(!t.path("special").asBoolean(false)),
                    t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false));
            if (tok.content().isEmpty()) {
                throw bad("field '" + path + ".content' is empty");
            }
            added.add(tok);
            maxId = Math.max(maxId, tok.id());
        }
        if (maxId < 0) {
            throw bad("model.vocab is empty");
        }
        if (maxId >= 1 << 24) {
            throw bad("token id " + maxId + " is implausibly large");
        }
        String[] pieces = new String[maxId + 1];
        vocab.forEach((k, v) -> pieces[v] = k);
        for (HuggingFaceTokenizer.AddedToken t : added) {
            pieces[t.id()] = t.content();
        }
        for (int i = 0; i < pieces.length; i++) {
            if (pieces[i] == null) {
                throw bad("token id " + i + " is missing (ids must be contiguous from 0)");
            }
        }
        Map<String, Integer> allIds = new HashMap<>(vocab);
        added.forEach(t -> allIds.putIfAbsent(t.content(), t.id()));

        Map<Long, int[]> merges = readMerges(modelNode, vocab);
        int unk = -1;
        JsonNode unkNode = modelNode.path("unk_token");
        if (unkNode.isTextual()) {
            Integer u = vocab.get(unkNode.asText());
            if (u == null) {
                throw bad("model.unk_token '" + unkNode.asText() + "' is not in model.vocab");
            }
            unk = u;
        }
        HuggingFaceBpeModel model = new HuggingFaceBpeModel(vocab, merges, unk,
                modelNode.path("fuse_unk").asBoolean(false), modelNode.path("byte_fallback").asBoolean(false),
                modelNode.path("ignore_merges").asBoolean(false));

        HuggingFaceNormalizer normalizer = normalizer(root.path("normalizer"), "normalizer");
        HuggingFacePreTokenizer preTokenizer = preTokenizer(root.path("pre_tokenizer"), "pre_tokenizer");
        HuggingFaceTokenizer.Decoder decoder = decoder(root.path("decoder"));

        List<Integer> prefix = new ArrayList<>();
        List<Integer> suffix = new ArrayList<>();
        postProcessor(root.path("post_processor"), "post_processor", prefix, suffix, allIds);

        int bos = specialFromConfig(config, "bos_token", allIds);
        int eos = specialFromConfig(config, "eos_token", allIds);
        if (bos < 0 && !prefix.isEmpty()) {
            bos = prefix.getFirst();
        }
        Set<Integer> eog = new HashSet<>();
        if (eos >= 0) {
            eog.add(eos);
        }
        if (generation != null) {
            JsonNode e = generation.path("eos_token_id");
            if (e.canConvertToInt()) {
                eog.add(e.asInt());
            }
            for (JsonNode x : e.isArray() ? e : JSON.createArrayNode()) {
                eog.add(x.asInt());
            }
            if (eos < 0 && e.canConvertToInt()) {
                eos = e.asInt();
            }
        }
        for (String t : List.of("<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>")) {
            Integer id = allIds.get(t);
            if (id != null) {
                eog.add(id);
            }
        }
        String kind = "hf tokenizer.json (BPE" + (preTokenizer != null && preTokenizer.byteLevel() ? ", byte-level" : "") + ")";
        HuggingFaceTokenizer.Settings settings = new HuggingFaceTokenizer.Settings(kind, bos, eos, Set.copyOf(eog),
                prefix.stream().mapToInt(Integer::intValue).toArray(), suffix.stream().mapToInt(Integer::intValue).toArray());
        return new HuggingFaceTokenizer(pieces, added, normalizer, preTokenizer, model, decoder, settings);
    }

    private Map<Long, int[]> readMerges(JsonNode modelNode, Map<String, Integer> vocab) {
        JsonNode node = modelNode.path("merges");
        if (node.isMissingNode() || node.isNull()) {
            return Map.of();
        }
        if (!node.isArray()) {
            throw bad("field 'model.merges' must be an array");
        }
        Map<Long, int[]> merges = HashMap.newHashMap(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode m = node.get(i);
            String a;
            String b;
            if (m.isTextual()) {
                String line = m.asText();
                int sp = line.indexOf(' ');
                if (sp <= 0 || sp == line.length() - 1 || line.indexOf(' ', sp + 1) >= 0) {
                    throw bad("model.merges[" + i + "] '" + line + "' is not two tokens separated by one space");
                }
                a = line.substring(0, sp);
                b = line.substring(sp + 1);
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                a = m.get(0).asText();
                b = m.get(1).asText();
            } else {
                throw bad("model.merges[" + i + "] must be \"a b\" or [\"a\", \"b\"]");
            }
            Integer ia = vocab.get(a);
            Integer ib = vocab.get(b);
            Integer merged = vocab.get(a + b);
            if (ia == null || ib == null || merged == null) {
                throw bad("model.merges[" + i + "] uses '" + (ia == null ? a : ib == null ? b : a + b)
                        + "', which is not in model.vocab");
            }
            merges.putIfAbsent(HuggingFaceBpeModel.pair(ia, ib), new int[] {i, merged});
        }
        return merges;
    }

    private Pattern pattern(JsonNode p, String path) {
        if (p.has("String")) {
            return Pattern.compile(Pattern.quote(p.get("String").asText()));
        }
        if (p.has("Regex")) {
            try {
                return Pattern.compile(p.get("Regex").asText(), Pattern.UNICODE_CHARACTER_CLASS);
            } catch (PatternSyntaxException e) {
                throw bad("field '" + path + ".Regex' is not a usable regex: " + e.getDescription());
            }
        }
        throw bad("field '" + path + "' must have String or Regex");
    }

    private HuggingFaceNormalizer normalizer(JsonNode n, String path) {
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        String type = text(n, "type", path + ".type");
        return switch (type) {
            case "Sequence" -> {
                List<HuggingFaceNormalizer> steps = new ArrayList<>();
                JsonNode list = field(n, "normalizers", path + ".normalizers");
                for (int i = 0; i < list.size(); i++) {
                    steps.add(normalizer(list.get(i), path + ".normalizers[" + i + "]"));
                }
                yield new HuggingFaceNormalizer.Sequence(steps);
            }
            case "Prepend" -> new HuggingFaceNormalizer.Prepend(text(n, "prepend", path + ".prepend"));
            case "Replace" -> new HuggingFaceNormalizer.Replace(pattern(field(n, "pattern", path + ".pattern"), path + ".pattern"),
                    text(n, "content", path + ".content"));
            case "NFC" -> new HuggingFaceNormalizer.UnicodeForm(Normalizer.Form.NFC);
            case "NFD" -> new HuggingFaceNormalizer.UnicodeForm(Normalizer.Form.NFD);
            case "NFKC" -> new HuggingFaceNormalizer.UnicodeForm(Normalizer.Form.NFKC);
            case "NFKD" -> new HuggingFaceNormalizer.UnicodeForm(Normalizer.Form.NFKD);
            case "Lowercase" -> new HuggingFaceNormalizer.Lowercase();
            case "Strip" -> new HuggingFaceNormalizer.Strip(n.path("strip_left").asBoolean(true), n.path("strip_right").asBoolean(true));
            default -> throw new ModelFileException(file, "tokenizer.json " + path + " type '" + type
                    + "' is not supported; supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip");
        };
    }

    private HuggingFacePreTokenizer preTokenizer(JsonNode n, String path) {
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        String type = text(n, "type", path + ".type");
        return switch (type) {
            case "Sequence" -> {
                List<HuggingFacePreTokenizer> steps = new ArrayList<>();
                JsonNode list = field(n, "pretokenizers", path + ".pretokenizers");
                for (int i = 0; i < list.size(); i++) {
                    steps.add(preTokenizer(list.get(i), path + ".pretokenizers[" + i + "]"));
                }
                yield new HuggingFacePreTokenizer.Sequence(steps);
            }
            case "ByteLevel" -> new HuggingFacePreTokenizer.ByteLevel(n.path("add_prefix_space").asBoolean(true),
                    n.path("use_regex").asBoolean(true));
            case "Metaspace" -> {
                String scheme = n.path("prepend_scheme").asText(n.path("add_prefix_space").asBoolean(true) ? "always" : "never");
                yield new HuggingFacePreTokenizer.Metaspace(n.path("replacement").asText("\u2581"), scheme,
                        n.path("split").asBoolean(true));
            }
            case "Split" -> {
                if (n.path("invert").asBoolean(false)) {
                    throw new ModelFileException(file, "tokenizer.json " + path + " Split with invert=true is not supported");
                }
                String behavior = text(n, "behavior", path + ".behavior");
                HuggingFacePreTokenizer.Behavior b = switch (behavior) {
                    case "Isolated" -> HuggingFacePreTokenizer.Behavior.ISOLATED;
                    case "Removed" -> HuggingFacePreTokenizer.Behavior.REMOVED;
                    case "MergedWithPrevious" -> HuggingFacePreTokenizer.Behavior.MERGED_WITH_PREVIOUS;
                    case "MergedWithNext" -> HuggingFacePreTokenizer.Behavior.MERGED_WITH_NEXT;
                    case "Contiguous" -> HuggingFacePreTokenizer.Behavior.CONTIGUOUS;
                    default -> throw bad("field '" + path + ".behavior' has unknown value '" + behavior + "'");
                };
                yield new HuggingFacePreTokenizer.Split(pattern(field(n, "pattern", path + ".pattern"), path + ".pattern"), b);
            }
            case "Digits" -> new HuggingFacePreTokenizer.Digits(n.path("individual_digits").asBoolean(false));
            case "WhitespaceSplit" -> new HuggingFacePreTokenizer.WhitespaceSplit();
            default -> throw new ModelFileException(file, "tokenizer.json " + path + " type '" + type
                    + "' is not supported; supported: Sequence, ByteLevel, Metaspace, Split, Digits, WhitespaceSplit");
        };
    }

    private HuggingFaceTokenizer.Decoder decoder(JsonNode n) {
        List<String[]> replacements = new ArrayList<>();
        boolean[] flags = new boolean[3]; // byteFallback, byteLevel, stripLeadingSpace
        collectDecoder(n, "decoder", replacements, flags);
        return new HuggingFaceTokenizer.Decoder(replacements, flags[0], flags[1], flags[2]);
    }

    private void collectDecoder(JsonNode n, String path, List<String[]> replacements, boolean[] flags) {
        if (n.isMissingNode() || n.isNull()) {
            return;
        }
        String type = text(n, "type", path + ".type");
        switch (type) {
            case "Sequence" -> {
                JsonNode list = field(n, "decoders", path + ".decoders");
                for (int i = 0; i < list.size(); i++) {
                    collectDecoder(list.get(i), path + ".decoders[" + i + "]", replacements, flags);
                }
            }
            case "Replace" -> {
                JsonNode p = field(n, "pattern", path + ".pattern");
                if (!p.has("String")) {
                    throw new ModelFileException(file, "tokenizer.json " + path + " Replace with a Regex pattern is not supported");
                }
                replacements.add(new String[] {p.get("String").asText(), text(n, "content", path + ".content")});
            }
            case "ByteFallback" -> flags[0] = true;
            case "ByteLevel" -> flags[1] = true;
            case "Fuse" -> {
                // pieces are always joined
            }
            case "Strip" -> {
                int start = n.path("start").asInt(0);
                int stop = n.path("stop").asInt(0);
                if (!n.path("content").asText(" ").equals(" ") || start > 1 || stop != 0) {
                    throw new ModelFileException(file, "tokenizer.json " + path
                            + " Strip is only supported for content ' ', start 0 or 1, stop 0");
                }
                flags[2] |= start == 1;
            }
            case "Metaspace" -> {
                String replacement = n.path("replacement").asText("\u2581");
                replacements.add(new String[] {replacement, " "});
                String scheme = n.path("prepend_scheme").asText(n.path("add_prefix_space").asBoolean(true) ? "always" : "never");
                flags[2] |= !scheme.equals("never");
            }
            default -> throw new ModelFileException(file, "tokenizer.json " + path + " type '" + type
                    + "' is not supported; supported: Sequence, Replace, ByteFallback, ByteLevel, Fuse, Strip, Metaspace");
        }
    }

    private void postProcessor(JsonNode n, String path, List<Integer> prefix, List<Integer> suffix, Map<String, Integer> ids) {
        if (n.isMissingNode() || n.isNull()) {
            return;
        }
        String type = text(n, "type", path + ".type");
        switch (type) {
            case "Sequence" -> {
                JsonNode list = field(n, "processors", path + ".processors");
                for (int i = 0; i < list.size(); i++) {
                    postProcessor(list.get(i), path + ".processors[" + i + "]", prefix, suffix, ids);
                }
            }
            case "ByteLevel" -> {
                // only adjusts offsets
            }
            case "TemplateProcessing" -> {
                JsonNode single = field(n, "single", path + ".single");
                JsonNode specials = n.path("special_tokens");
                boolean seenSequence = false;
                for (int i = 0; i < single.size(); i++) {
                    JsonNode item = single.get(i);
                    if (item.has("Sequence")) {
                        seenSequence = true;
                        continue;
                    }
                    String name = text(field(item, "SpecialToken", path + ".single[" + i + "].SpecialToken"), "id",
                            path + ".single[" + i + "].SpecialToken.id");
                    JsonNode idList = specials.path(name).path("ids");
                    if (!idList.isArray() || idList.isEmpty()) {
                        throw bad("field '" + path + ".special_tokens." + name + ".ids' is missing");
                    }
                    for (JsonNode id : idList) {
                        if (!id.canConvertToInt() || id.asInt() < 0 || !ids.containsValue(id.asInt())) {
                            throw bad("field '" + path + ".special_tokens." + name + ".ids' holds an unknown id " + id);
                        }
                        (seenSequence ? suffix : prefix).add(id.asInt());
                    }
                }
            }
            case "BertProcessing", "RobertaProcessing" -> {
                prefix.add(field(n, "cls", path + ".cls").get(1).asInt());
                suffix.add(field(n, "sep", path + ".sep").get(1).asInt());
            }
            default -> throw new ModelFileException(file, "tokenizer.json " + path + " type '" + type
                    + "' is not supported; supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence");
        }
    }

    /** bos_token/eos_token from tokenizer_config.json: a string or {"content": ...}; -1 when absent. */
    private static int specialFromConfig(JsonNode config, String key, Map<String, Integer> ids) {
        if (config == null) {
            return -1;
        }
        JsonNode v = config.path(key);
        String content = v.isTextual() ? v.asText() : v.path("content").asText(null);
        if (content == null) {
            return -1;
        }
        Integer id = ids.get(content);
        return id == null ? -1 : id;
    }
}
