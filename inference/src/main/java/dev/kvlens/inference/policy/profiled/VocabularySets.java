package dev.kvlens.inference.policy.profiled;

import dev.kvlens.inference.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** FastGen's token classes, built from a vocabulary (POLICIES.md 15.5: tokenizer-specific). */
final class VocabularySets {

    private static final Pattern CONTROL = Pattern.compile("<[^<>\\s]+>");
    private static final Pattern BYTE = Pattern.compile("<0x[0-9A-Fa-f]{2}>");

    private VocabularySets() {
    }

    static FastGenTable of(Tokenizer tokenizer) {
        List<Integer> special = new ArrayList<>();
        List<Integer> punctuation = new ArrayList<>();
        for (int id = 0; id < tokenizer.vocabularySize(); id++) {
            String piece = tokenizer.piece(id);
            if (id == tokenizer.bos() || id == tokenizer.eos()
                    || (CONTROL.matcher(piece).matches() && !BYTE.matcher(piece).matches())) {
                special.add(id);
            } else if (isPunctuation(piece)) {
                punctuation.add(id);
            }
        }
        return new FastGenTable(special.stream().mapToInt(Integer::intValue).toArray(),
                punctuation.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Only punctuation once word-boundary marks (SentencePiece U+2581, byte-level U+0120) and spaces go. */
    static boolean isPunctuation(String piece) {
        String t = piece.replace("\u2581", "").replace("\u0120", "").strip();
        if (t.isEmpty()) {
            return false;
        }
        return t.codePoints().allMatch(cp -> switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        });
    }
}
