package dev.kvlens.inference.tokenizer;

/**
 * Unicode classification with llama.cpp's flag names (unicode.h), from llama.cpp's own tables
 * ({@link LlamaUnicodeTables}) so that categories agree with llama.cpp on every code point.
 * Whitespace is llama.cpp's set (the Unicode White_Space property).
 */
final class CodepointFlags {

    private CodepointFlags() {
    }

    private static boolean has(int cp, int flag) {
        return (LlamaUnicodeTables.flags(cp) & flag) != 0;
    }

    static boolean isWhitespace(int cp) {
        return has(cp, LlamaUnicodeTables.WHITESPACE);
    }

    static boolean isLetter(int cp) {
        return has(cp, LlamaUnicodeTables.LETTER);
    }

    static boolean isNumber(int cp) {
        return has(cp, LlamaUnicodeTables.NUMBER);
    }

    static boolean isPunctuation(int cp) {
        return has(cp, LlamaUnicodeTables.PUNCTUATION);
    }

    static boolean isSymbol(int cp) {
        return has(cp, LlamaUnicodeTables.SYMBOL);
    }

    /** \p{M}: combining marks, which BERT's accent stripping drops. */
    static boolean isAccentMark(int cp) {
        return has(cp, LlamaUnicodeTables.ACCENT_MARK);
    }

    /** llama.cpp's "control" flag covers the whole C* category except unassigned code points. */
    static boolean isControl(int cp) {
        return has(cp, LlamaUnicodeTables.CONTROL);
    }

    /** llama.cpp's unicode_tolower (one code point to one code point). */
    static int toLower(int cp) {
        return LlamaUnicodeTables.toLower(cp);
    }
}
