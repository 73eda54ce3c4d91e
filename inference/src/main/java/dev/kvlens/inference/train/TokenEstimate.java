package dev.kvlens.inference.train;

import dev.kvlens.inference.tokenizer.ByteLevelPreTokenizer;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token counts before a vocabulary exists, from the words the {@value BpeVocabularyTrainer#DEFAULT_PRE}
 * pre-tokenizer splits a text into: a word of the recurring templates (filler sentences, questions) is
 * one token, as every vocabulary trained on this corpus holds them whole; a rarer word (a name, an
 * object, a place) counts one token per three characters, since a vocabulary trained on a small sample
 * may hold it only in pieces. Digits and punctuation are one word each anyway.
 */
final class TokenEstimate {

    private static final ByteLevelPreTokenizer SPLITTER = ByteLevelPreTokenizer.forPre(BpeVocabularyTrainer.DEFAULT_PRE);
    private static final int CACHE_LIMIT = 100_000;

    /** Template words, with the leading space or punctuation the pre-tokenizer keeps on them. */
    private final Set<String> common = new HashSet<>();
    /** Fixed texts (filler sentences) recur in every document: count each once. */
    private final ConcurrentHashMap<String, Integer> cache = new ConcurrentHashMap<>();

    /** @param templates texts that recur in most documents of their kind */
    TokenEstimate(Collection<String> templates) {
        for (String t : templates) {
            common.addAll(SPLITTER.split(t));
            common.addAll(SPLITTER.split(" " + t));
        }
    }

    int of(String text) {
        if (text.indexOf(TeachingCorpus.ANSWER_START) >= 0) {
            text = text.replace(String.valueOf(TeachingCorpus.ANSWER_START), "")
                    .replace(String.valueOf(TeachingCorpus.ANSWER_END), "");
        }
        int n = 0;
        for (String w : SPLITTER.split(text)) {
            n += common.contains(w) ? 1 : Math.max(1, (w.strip().length() + 2) / 3);
        }
        return n;
    }

    /** {@link #of} for texts that recur (cached). */
    int ofFixed(String text) {
        Integer n = cache.get(text);
        if (n == null) {
            n = of(text);
            if (cache.size() < CACHE_LIMIT) {
                cache.put(text, n);
            }
        }
        return n;
    }
}
