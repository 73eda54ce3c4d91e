package dev.kvlens.inference.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * llama.cpp's tokenizer_st_partition: before tokenizing, cut the text at occurrences of special
 * token texts, longest token first. Control and unknown tokens only take part when special
 * parsing is on; user-defined tokens always do. LSTRIP/RSTRIP tokens swallow adjacent ASCII
 * whitespace.
 */
final class SpecialTokenSplitter {

    /** A piece of the input: either a token ({@code token >= 0}) or the text range [start, end). */
    record Fragment(int token, int start, int end) {
        boolean isText() {
            return token < 0;
        }
    }

    private SpecialTokenSplitter() {
    }

    static List<Fragment> split(String text, GgufVocabulary vocab, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Fragment(-1, 0, text.length()));
        for (int special : vocab.specialTokens()) {
            if (!parseSpecial && vocab.has(special, TokenAttributes.CONTROL | TokenAttributes.UNKNOWN)) {
                continue;
            }
            String tok = vocab.text(special);
            List<Fragment> next = new ArrayList<>(fragments.size() + 2);
            boolean changed = false;
            for (Fragment f : fragments) {
                if (!f.isText()) {
                    next.add(f);
                    continue;
                }
                int base = f.start;
                int end = f.end;
                while (true) {
                    int match = text.indexOf(tok, base);
                    if (match < 0 || match + tok.length() > end) {
                        if (base < end) {
                            next.add(new Fragment(-1, base, end));
                        }
                        break;
                    }
                    changed = true;
                    int leftEnd = match;
                    if (vocab.has(special, TokenAttributes.LSTRIP)) {
                        while (leftEnd > base && isCSpace(text.charAt(leftEnd - 1))) {
                            leftEnd--;
                        }
                    }
                    if (leftEnd > base) {
                        next.add(new Fragment(-1, base, leftEnd));
                    }
                    next.add(new Fragment(special, 0, 0));
                    int right = match + tok.length();
                    if (vocab.has(special, TokenAttributes.RSTRIP)) {
                        while (right < end && isCSpace(text.charAt(right))) {
                            right++;
                        }
                    }
                    base = right;
                    if (base >= end) {
                        break;
                    }
                }
            }
            if (changed) {
                fragments = next;
            }
        }
        return fragments;
    }

    /** C's isspace in the "C" locale, which llama.cpp uses for stripping. */
    private static boolean isCSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
