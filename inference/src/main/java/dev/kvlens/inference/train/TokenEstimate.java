package dev.kvlens.inference.train;

import dev.kvlens.inference.tokenizer.ByteLevelPreTokenizer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token counts before a vocabulary exists: the number of words the {@value BpeVocabularyTrainer#DEFAULT_PRE}
 * pre-tokenizer splits a text into. Every word is at least one token, and a vocabulary trained on this
 * corpus holds nearly every one of its few hundred distinct words whole (digits are always one word each),
 * so the corpus sizes its documents by this count and leaves a margin ({@link TeachingCorpus#budget}).
 */
final class TokenEstimate {

    private static final ByteLevelPreTokenizer SPLITTER = ByteLevelPreTokenizer.forPre(BpeVocabularyTrainer.DEFAULT_PRE);
    /** Fixed texts (filler sentences, templates) recur in every document: count each once. */
    private static final ConcurrentHashMap<String, Integer> CACHE = new ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 100_000;

    private TokenEstimate() {
    }

    static int of(String text) {
        return SPLITTER.split(text).size();
    }

    /** {@link #of} for texts that recur (cached). */
    static int ofFixed(String text) {
        Integer n = CACHE.get(text);
        if (n == null) {
            n = of(text);
            if (CACHE.size() < CACHE_LIMIT) {
                CACHE.put(text, n);
            }
        }
        return n;
    }
}
