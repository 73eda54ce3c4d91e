package dev.kvlens.inference.tokenizer;

import java.util.List;

/**
 * The pre-tokenizer regex lists llama.cpp (src/llama-vocab.cpp, llm_tokenizer_bpe) selects by
 * {@code tokenizer.ggml.pre}, with the flags each name sets (ignore_merges, add_bos).
 */
final class LlamaPreTokenizers {

    /** A known pre-tokenizer: its regexes and the llama.cpp flags it implies. */
    record PreTokenizer(List<String> regexes, boolean ignoreMerges, boolean addBos) {
    }

    private static final String GPT2 = LlamaRegexSplitter.GPT2;
    private static final String LLAMA3 = LlamaRegexSplitter.LLAMA3;
    private static final String QWEN2 =
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String CJK = "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+";

    static final PreTokenizer DEFAULT = new PreTokenizer(List.of(
            "[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]"), false, false);

    private LlamaPreTokenizers() {
    }

    /** Pre-tokenizer names for which llama.cpp turns clean_up_tokenization_spaces off (it is on for other BPE vocabularies). */
    private static final java.util.Set<String> KEEP_TOKENIZATION_SPACES = java.util.Set.of("deepseek-llm",
            "deepseek-coder", "deepseek-v3", "spark2_5", "youtu", "sarvam-moe", "command-r", "qwen2",
            "deepseek-r1-qwen", "kormo", "f2llmv2", "qwen35", "poro-chat", "viking", "tekken", "smollm", "chameleon",
            "gpt-4o", "llama4", "kanana2", "talkie", "granite-embed-multi-97m", "tiny_aya", "cohere2moe", "superbpe",
            "trillion", "granite-docling", "bailingmoe", "bailingmoe2", "llada-moe", "seed-coder", "hunyuan",
            "hunyuan-dense", "hy_v4", "joyai-llm", "kimi-k2", "ufakzeka", "grok-2", "afmoe", "laguna", "minimax-m2",
            "solar-open");

    /** Whether llama_detokenize leaves spaces before punctuation and contractions alone for this pre-tokenizer. */
    static boolean keepsTokenizationSpaces(String name) {
        return KEEP_TOKENIZATION_SPACES.contains(name);
    }

    /** The pre-tokenizer for a {@code tokenizer.ggml.pre} name, or null when llama.cpp does not know it. */
    static PreTokenizer byName(String name) {
        return switch (name) {
            case "default" -> DEFAULT;
            case "llama3", "llama-v3", "llama-bpe", "falcon3" -> new PreTokenizer(List.of(LLAMA3), true, true);
            case "dbrx", "smaug-bpe" -> new PreTokenizer(List.of(LLAMA3), false, false);
            case "deepseek-llm" -> new PreTokenizer(List.of(
                    "[\r\n]",
                    "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\uD801\uDC00-\uD801\uDC4F\uD801\uDCB0-\uD801\uDCD3\uD801\uDCD8-\uD801\uDCFB\uD803\uDC80-\uD803\uDCB2\uD803\uDCC0-\uD803\uDCF2\uD806\uDCA0-\uD806\uDCDF\uD83A\uDD00-\uD83A\uDD43]+",
                    "\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+",
                    "\\s+$",
                    CJK,
                    "\\p{N}+"), false, false);
            case "deepseek-coder" -> new PreTokenizer(List.of(
                    "[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK, "\\p{N}"), false, false);
            case "falcon" -> new PreTokenizer(List.of(
                    "[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]"), false, false);
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b" ->
                    new PreTokenizer(List.of("\\p{N}", GPT2), false, false);
            case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es", "jina-v2-de",
                 "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais" ->
                    new PreTokenizer(List.of(GPT2), false, false);
            case "qwen2", "stablelm2", "megrez" -> new PreTokenizer(List.of(QWEN2), false, false);
            case "poro-chat", "bloom", "gpt3-finnish" ->
                    new PreTokenizer(List.of(" ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+"), false, false);
            case "viking" -> new PreTokenizer(List.of(" ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+", "\\p{N}"), false, false);
            case "tekken" -> new PreTokenizer(List.of(
                    "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
                    true, true);
            case "chameleon" -> new PreTokenizer(List.of(
                    "<sentinel:[0-9]+>",
                    "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
                    "([\\t\\n]|    |  )",
                    "\\p{N}",
                    "[\\p{P}!-/:-@\\[-`{-~]",
                    GPT2), false, true);
            default -> null;
        };
    }
}
