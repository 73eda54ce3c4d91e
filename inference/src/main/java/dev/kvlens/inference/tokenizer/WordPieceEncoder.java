package dev.kvlens.inference.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * llama.cpp's WPM tokenizer (llm_tokenizer_wpm): with accent stripping, NFD (each code point
 * replaced by the first code point of its decomposition) and combining marks dropped; lower-case;
 * split on whitespace, punctuation, ASCII symbols and CJK ideographs, then per word a greedy longest match where the word start
 * carries U+2581 (the GGUF conversion stores BERT's "##" continuations bare and word starts with
 * "▁"). A word with an unmatched position becomes the unknown token.
 */
final class WordPieceEncoder {

    private static final String PHANTOM_SPACE = "\u2581";

    private final GgufVocabulary vocab;
    private final int unk;
    private final boolean lowercase;
    private final boolean stripAccents;

    /** The flags are BertNormalizer's options (GGUF tokenizer.ggml.normalizer.*; both default to true). */
    WordPieceEncoder(GgufVocabulary vocab, int unk, boolean lowercase, boolean stripAccents) {
        this.vocab = vocab;
        this.unk = unk;
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
    }

    void encode(String text, IntList out) {
        for (String word : preprocess(text, lowercase, stripAccents)) {
            if (word.isEmpty()) {
                continue;
            }
            String w = PHANTOM_SPACE + word;
            int n = w.length();
            int before = out.size;
            for (int i = 0; i < n; i++) {
                boolean match = false;
                for (int j = Math.min(n, i + vocab.maxTokenChars() + 1); j > i; j--) {
                    int id = vocab.id(w.substring(i, j));
                    if (id >= 0) {
                        out.add(id);
                        match = true;
                        i = j - 1;
                        break;
                    }
                }
                if (!match) {
                    out.size = before; // discard the partial word
                    break;
                }
            }
            if (out.size == before) {
                out.add(unk);
            }
        }
    }

    static List<String> preprocess(String text, boolean lowercase, boolean stripAccents) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int k = 0; k < text.length(); ) {
            int cp0 = text.codePointAt(k);
            k += Character.charCount(cp0);
            int cpt = stripAccents ? LlamaUnicodeTables.nfdFirst(cp0) : cp0;
            if (CodepointFlags.isWhitespace(cpt)) {
                if (!word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                }
                continue;
            }
            if (cpt == 0 || cpt == 0xFFFD || CodepointFlags.isControl(cpt)) {
                continue;
            }
            if (stripAccents && CodepointFlags.isAccentMark(cpt)) {
                continue;
            }
            int lower = lowercase ? CodepointFlags.toLower(cpt) : cpt;
            if (CodepointFlags.isPunctuation(cpt) || (cpt < 0x7F && CodepointFlags.isSymbol(cpt)) || isChineseChar(cpt)) {
                if (!word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                }
                words.add(new String(Character.toChars(lower)));
            } else {
                word.appendCodePoint(lower);
            }
        }
        if (!word.isEmpty()) {
            words.add(word.toString());
        }
        return words;
    }

    private static boolean isChineseChar(int cpt) {
        return (cpt >= 0x04E00 && cpt <= 0x09FFF)
                || (cpt >= 0x03400 && cpt <= 0x04DBF)
                || (cpt >= 0x20000 && cpt <= 0x2A6DF)
                || (cpt >= 0x2A700 && cpt <= 0x2B73F)
                || (cpt >= 0x2B740 && cpt <= 0x2B81F)
                || (cpt >= 0x2B920 && cpt <= 0x2CEAF) // 0x2B920 as in HF's Rust code
                || (cpt >= 0x0F900 && cpt <= 0x0FAFF)
                || (cpt >= 0x2F800 && cpt <= 0x2FA1F);
    }
}
