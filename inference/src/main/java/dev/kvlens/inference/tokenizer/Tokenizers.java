package dev.kvlens.inference.tokenizer;

import dev.kvlens.inference.ModelFileException;
import dev.kvlens.inference.gguf.GgufMetadata;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Builds tokenizers from a GGUF file's vocabulary metadata or from a Hugging Face model folder. */
public final class Tokenizers {

    private static final String P = "tokenizer.ggml.";

    private Tokenizers() {
    }

    /**
     * The tokenizer llama.cpp would build from this metadata.
     *
     * @param file only used to name the file in error messages
     * @throws ModelFileException when the vocabulary is missing, inconsistent or of an unsupported kind
     */
    public static Tokenizer fromGguf(GgufMetadata md, Path file) {
        if (!md.has(P + "model")) {
            throw new ModelFileException(file, "missing " + P + "model (the file has no tokenizer)");
        }
        String modelName = md.getString(P + "model");
        GgufTokenizer.Model model = switch (modelName) {
            case "llama" -> GgufTokenizer.Model.SPM;
            case "gpt2" -> GgufTokenizer.Model.BPE;
            case "bert" -> GgufTokenizer.Model.WPM;
            case "no_vocab", "none" -> throw new ModelFileException(file, P + "model is '" + modelName
                    + "': the file has no vocabulary to tokenize with");
            case "t5", "rwkv" -> throw new ModelFileException(file, P + "model '" + modelName
                    + "' (" + (modelName.equals("t5") ? "Unigram" : "RWKV") + ") is not supported; supported: llama, gpt2, bert");
            default -> throw new ModelFileException(file, "unknown " + P + "model '" + modelName
                    + "'; supported: llama, gpt2, bert");
        };
        if (!md.has(P + "tokens")) {
            throw new ModelFileException(file, "missing " + P + "tokens (the vocabulary)");
        }
        String[] tokens = md.getStringArray(P + "tokens");
        int n = tokens.length;
        if (n == 0) {
            throw new ModelFileException(file, P + "tokens is empty");
        }
        float[] scores = md.getFloatArray(P + "scores", null);
        if (scores != null && scores.length != n) {
            throw new ModelFileException(file, P + "scores has " + scores.length + " entries but "
                    + P + "tokens has " + n);
        }
        int[] types = md.getIntArray(P + "token_type", null);
        if (types != null && types.length != n) {
            throw new ModelFileException(file, P + "token_type has " + types.length + " entries but "
                    + P + "tokens has " + n);
        }
        GgufVocabulary vocab = new GgufVocabulary(tokens, scores, types);

        int bos;
        int eos;
        int unk;
        int sep;
        boolean addSpacePrefix;
        boolean addBos;
        String kind;
        ByteLevelBpeEncoder bpe = null;
        String pre = md.getString(P + "pre", "");
        switch (model) {
            case SPM -> {
                bos = 1;
                eos = 2;
                unk = 0;
                sep = -1;
                addSpacePrefix = true;
                addBos = true;
                kind = "llama (SentencePiece)";
            }
            case WPM -> {
                bos = 101;
                eos = -1;
                unk = 100;
                sep = 102;
                addSpacePrefix = false;
                addBos = true;
                kind = "bert (WordPiece)";
            }
            default -> {
                bos = 11;
                eos = 11;
                unk = -1;
                sep = -1;
                addSpacePrefix = false;
                LlamaPreTokenizers.PreTokenizer preTokenizer;
                if (pre.isEmpty()) {
                    // llama.cpp warns and uses 'default' when the key is missing
                    preTokenizer = LlamaPreTokenizers.DEFAULT;
                    kind = "gpt2 (byte-level BPE, pre: default, because " + P + "pre is missing)";
                } else {
                    preTokenizer = LlamaPreTokenizers.byName(pre);
                    if (preTokenizer == null) {
                        throw new ModelFileException(file, "unknown pre-tokenizer '" + pre + "' in " + P + "pre");
                    }
                    kind = "gpt2 (byte-level BPE, pre: " + pre + ")";
                }
                addBos = preTokenizer.addBos();
                LlamaRegexSplitter splitter;
                try {
                    splitter = new LlamaRegexSplitter(preTokenizer.regexes());
                } catch (RuntimeException e) {
                    throw new ModelFileException(file, "pre-tokenizer '" + pre + "' regex cannot be compiled: "
                            + e.getMessage(), e);
                }
                bpe = new ByteLevelBpeEncoder(vocab, readMerges(md, file), splitter, preTokenizer.ignoreMerges());
            }
        }
        addSpacePrefix = md.getBoolean(P + "add_space_prefix", addSpacePrefix);

        bos = specialId(md, "bos_token_id", n, bos);
        eos = specialId(md, "eos_token_id", n, eos);
        unk = specialId(md, "unknown_token_id", n, unk);
        sep = specialId(md, "seperator_token_id", n, sep);
        int eot = specialId(md, "eot_token_id", n, -1);
        int eom = specialId(md, "eom_token_id", n, -1);
        int fimPad = specialId(md, "fim_pad_token_id", n, -1);
        int fimRep = specialId(md, "fim_rep_token_id", n, -1);
        int fimSep = specialId(md, "fim_sep_token_id", n, -1);
        addBos = md.getBoolean(P + "add_bos_token", addBos);
        boolean addEos = md.getBoolean(P + "add_eos_token", false);
        if (addBos && bos < 0) {
            throw new ModelFileException(file, "the vocabulary asks for BOS but has no BOS token id");
        }

        // llama.cpp (llama_vocab::impl::load) finds end-of-turn/FIM markers by text and makes them control tokens
        if (eot < 0) {
            eot = firstByText(vocab, List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
                    "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>",
                    "<end_of_utterance>"));
        }
        if (eom < 0) {
            eom = firstByText(vocab, List.of("<|eom_id|>"));
        }
        forceControl(vocab, eot);
        forceControl(vocab, eom);
        for (List<String> fim : List.of(
                List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\uFF5Cfim\u2581begin\uFF5C>", "<PRE>",
                        "\u2581<PRE>", "<|code_prefix|>", "<|prefix|>"),
                List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\uFF5Cfim\u2581hole\uFF5C>", "<SUF>",
                        "\u2581<SUF>", "<|code_suffix|>", "<|suffix|>"),
                List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\uFF5Cfim\u2581end\uFF5C>", "<MID>",
                        "\u2581<MID>", "<|code_middle|>", "<|middle|>"))) {
            forceControl(vocab, firstByText(vocab, fim));
        }
        if (fimPad < 0) {
            fimPad = firstByText(vocab, List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"));
        }
        if (fimRep < 0) {
            fimRep = firstByText(vocab, List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"));
        }
        if (fimSep < 0) {
            fimSep = firstByText(vocab, List.of("<|file_sep|>"));
        }
        forceControl(vocab, fimPad);
        forceControl(vocab, fimRep);
        forceControl(vocab, fimSep);
        Set<Integer> eog = new HashSet<>();
        for (int id : new int[] {fimPad, fimRep, fimSep}) {
            if (id >= 0) {
                eog.add(id);
            }
        }
        for (String t : EOG_TEXTS) {
            int id = vocab.id(t);
            if (id >= 0) {
                eog.add(id);
                forceControl(vocab, id);
            }
        }
        // gpt-oss: these always render, so llama.cpp makes them plain user-defined tokens
        for (String t : List.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>")) {
            int id = vocab.id(t);
            if (id >= 0) {
                vocab.setAttrs(id, TokenAttributes.USER_DEFINED);
            }
        }
        for (int id : new int[] {eos, eot, eom}) {
            if (id >= 0) {
                eog.add(id);
            }
        }
        // o200k_harmony / solar-open: "<|end|>" ends a message, not generation
        boolean hasReturn = containsText(vocab, eog, "<|return|>");
        boolean hasCall = containsText(vocab, eog, "<|call|>") || containsText(vocab, eog, "<|calls|>");
        boolean hasFlush = containsText(vocab, eog, "<|flush|>");
        int end = vocab.id("<|end|>");
        if (end >= 0 && eog.contains(end) && ((hasReturn && hasCall) || (hasCall && hasFlush))) {
            eog.remove(end);
            vocab.setAttrs(end, TokenAttributes.USER_DEFINED);
        }
        // gemma4 / paddleocr: "</s>" is an ordinary token there
        int closeS = vocab.id("</s>");
        if (closeS >= 0 && eog.contains(closeS) && containsText(vocab, eog, "<|tool_response>")) {
            eog.remove(closeS);
            vocab.setAttrs(closeS, TokenAttributes.NORMAL);
        }
        vocab.rebuildSpecialCache();
        applyModelSpecificAttributes(md, vocab, pre);

        // llama.cpp: clean_up_tokenization_spaces for BPE (except the pre-tokenizers that turn it off) and WPM
        boolean cleanSpaces = switch (model) {
            case SPM -> false;
            case WPM -> true;
            case BPE -> !LlamaPreTokenizers.keepsTokenizationSpaces(pre);
        };
        // BertNormalizer options; strip_accents follows lowercase unless given
        boolean lowercase = md.getBoolean(P + "normalizer.lowercase", true);
        boolean stripAccents = md.getBoolean(P + "normalizer.strip_accents", lowercase);
        GgufTokenizer.Settings settings = new GgufTokenizer.Settings(model, kind, bos, eos, unk, sep,
                addSpacePrefix, addBos, addEos, Set.copyOf(eog), cleanSpaces, lowercase, stripAccents);
        return new GgufTokenizer(vocab, settings, bpe);
    }

    /** Texts llama.cpp treats as end of generation (and forces to control tokens), whatever their id. */
    private static final List<String> EOG_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>",
            "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>",
            "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>",
            "<|tool_response>", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", "[e~[");

    private static boolean containsText(GgufVocabulary vocab, Set<Integer> ids, String text) {
        int id = vocab.id(text);
        return id >= 0 && ids.contains(id);
    }

    private static Map<String, Integer> readMerges(GgufMetadata md, Path file) {
        if (!md.has(P + "merges")) {
            throw new ModelFileException(file, "missing " + P + "merges (required by a gpt2 BPE vocabulary)");
        }
        String[] merges = md.getStringArray(P + "merges");
        Map<String, Integer> ranks = HashMap.newHashMap(merges.length);
        for (int i = 0; i < merges.length; i++) {
            String m = merges[i];
            int sp = m.indexOf(' ', 1);
            if (sp < 0) {
                continue; // llama.cpp stores such a line as an unusable empty pair
            }
            ranks.putIfAbsent(m, i);
        }
        return ranks;
    }

    /** An id key if present and inside the vocabulary; otherwise the default (llama.cpp warns and ignores). */
    private static int specialId(GgufMetadata md, String key, int n, int dflt) {
        if (!md.has(P + key)) {
            return dflt;
        }
        long v = md.getLong(P + key);
        return v >= 0 && v < n ? (int) v : dflt;
    }

    private static int firstByText(GgufVocabulary vocab, List<String> texts) {
        int best = -1;
        for (String t : texts) {
            int id = vocab.id(t);
            if (id >= 0 && (best < 0 || id < best)) {
                best = id;
            }
        }
        return best;
    }

    private static void forceControl(GgufVocabulary vocab, int id) {
        if (id >= 0 && !vocab.has(id, TokenAttributes.CONTROL)) {
            vocab.setAttr(id, TokenAttributes.CONTROL, true);
        }
    }

    /** llama.cpp sets strip attributes by model name because GGUF does not store them. */
    private static void applyModelSpecificAttributes(GgufMetadata md, GgufVocabulary vocab, String pre) {
        String name = md.getString("general.name", "").toLowerCase(Locale.ROOT);
        if (pre.contains("jina-v2-de") || pre.contains("jina-v2-es") || pre.contains("jina-v2-code")) {
            int mask = vocab.id("<mask>");
            if (mask >= 0) {
                vocab.setAttr(mask, TokenAttributes.LSTRIP, true);
            }
        } else if (name.contains("phi-3") || name.contains("phi3")) {
            for (int id : vocab.specialTokens()) {
                vocab.setAttr(id, TokenAttributes.RSTRIP, true);
            }
            int eosText = vocab.id("</s>");
            if (eosText >= 0) {
                vocab.setAttr(eosText, TokenAttributes.RSTRIP, true);
            }
            for (String t : List.of("<unk>", "<s>", "<|endoftext|>")) {
                int id = vocab.id(t);
                if (id >= 0) {
                    vocab.setAttr(id, TokenAttributes.RSTRIP, false);
                }
            }
        }
    }

    /**
     * A tokenizer from a Hugging Face model folder: {@code tokenizer.json} (BPE model), with BOS/EOS
     * from {@code tokenizer_config.json} when present.
     */
    public static Tokenizer fromHuggingFace(Path modelDir) {
        return HuggingFaceTokenizerLoader.load(modelDir);
    }
}
