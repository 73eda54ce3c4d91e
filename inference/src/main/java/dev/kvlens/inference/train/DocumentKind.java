package dev.kvlens.inference.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The kinds of document the teaching corpus mixes, by their key in the recipe's {@code "mix"}. */
public enum DocumentKind {

    /** PasskeyTask's prompt verbatim, followed by the key and a period. */
    PASSKEY("passkey"),
    /** NeedleTask's prompt verbatim, followed by the magic word and a period. */
    NEEDLE("needle"),
    /** NameRecallTask's prompt verbatim, followed by the name and a period. */
    NAME_RECALL("name_recall"),
    /** A labelled number ("The secret code is 39211.") hidden in story filler and asked for at the end. */
    HIDDEN_NUMBER("hidden_number"),
    /** Facts such as "The key to the blue box is 4821." stated once, asked about after filler. */
    FACT_RECALL("fact_recall"),
    /** A list of words with numbers, then queries for some of them. */
    KEY_VALUE("key_value"),
    /** A segment of words, digits or sentences, then the same segment again. */
    COPY("copy"),
    /**
     * A list of numbers, then the same list again: copying from a ten-symbol alphabet (the engine's
     * tokenizers split digits one per token), the easiest retrieval to learn first.
     */
    NUMBERS("numbers"),
    /** A short story with named characters and their things, with questions about them at the end. */
    STORY("story");

    public final String key;

    DocumentKind(String key) {
        this.key = key;
    }

    /** @throws IllegalArgumentException naming the valid keys */
    public static DocumentKind byKey(String key) {
        String k = key.strip().toLowerCase(Locale.ROOT);
        for (DocumentKind d : values()) {
            if (d.key.equals(k)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown document kind '" + key + "'; valid kinds: " + keys());
    }

    public static String keys() {
        return Arrays.stream(values()).map(d -> d.key).collect(Collectors.joining(", "));
    }
}
