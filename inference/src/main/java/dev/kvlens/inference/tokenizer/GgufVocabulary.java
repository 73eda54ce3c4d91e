package dev.kvlens.inference.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Token texts, scores and attributes of a GGUF vocabulary, with llama.cpp's lookup rules. */
final class GgufVocabulary {

    private final String[] texts;
    private final float[] scores;
    private final int[] attrs;
    private final Map<String, Integer> ids;
    private final int maxTokenChars;
    private final int[] byteTokens = new int[256];
    private int[] specialTokens;

    GgufVocabulary(String[] rawTexts, float[] scores, int[] types) {
        int n = rawTexts.length;
        this.texts = new String[n];
        this.scores = scores != null ? scores : new float[n];
        this.attrs = new int[n];
        this.ids = HashMap.newHashMap(n);
        int max = 0;
        for (int i = 0; i < n; i++) {
            String t = rawTexts[i];
            if (t == null || t.isEmpty()) {
                t = "[EMPTY_" + i + "]"; // as llama.cpp, so that every id keeps a distinct text
            }
            texts[i] = t;
            ids.put(t, i);
            max = Math.max(max, t.length());
            attrs[i] = types == null ? TokenAttributes.NORMAL : TokenAttributes.fromGgufType(types[i]);
        }
        this.maxTokenChars = max;
        for (int b = 0; b < 256; b++) {
            Integer id = ids.get(String.format("<0x%02X>", b));
            if (id == null) {
                id = ids.get(String.valueOf((char) b)); // llama.cpp's fallback: the byte as text
            }
            byteTokens[b] = id == null ? -1 : id;
        }
        rebuildSpecialCache();
    }

    /** Control, user-defined and unknown tokens, longest text first (llama.cpp's cache_special_tokens). */
    void rebuildSpecialCache() {
        List<Integer> list = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            if ((attrs[i] & (TokenAttributes.CONTROL | TokenAttributes.USER_DEFINED | TokenAttributes.UNKNOWN)) != 0) {
                list.add(i);
            }
        }
        list.sort(Comparator.comparingInt((Integer i) -> -texts[i].length()).thenComparingInt(i -> i));
        specialTokens = list.stream().mapToInt(Integer::intValue).toArray();
    }

    int size() {
        return texts.length;
    }

    /** The id of an exact token text, or -1. */
    int id(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }

    String text(int id) {
        return texts[id];
    }

    float score(int id) {
        return scores[id];
    }

    int attrs(int id) {
        return attrs[id];
    }

    boolean has(int id, int attr) {
        return (attrs[id] & attr) != 0;
    }

    void setAttr(int id, int attr, boolean value) {
        attrs[id] = value ? attrs[id] | attr : attrs[id] & ~attr;
    }

    /** Replaces all attributes, as llama.cpp's {@code attr = ...} overrides do. */
    void setAttrs(int id, int attrs) {
        this.attrs[id] = attrs;
    }

    int maxTokenChars() {
        return maxTokenChars;
    }

    int[] specialTokens() {
        return specialTokens;
    }

    /** The byte-fallback token for a byte, or -1 when the vocabulary has none. */
    int byteToken(int unsignedByte) {
        return byteTokens[unsignedByte];
    }
}
