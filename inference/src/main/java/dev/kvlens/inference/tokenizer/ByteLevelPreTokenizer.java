package dev.kvlens.inference.tokenizer;

import java.util.List;

/**
 * The word split and byte symbols of the engine's byte-level BPE tokenizer for one
 * {@code tokenizer.ggml.pre} name, exposed so that a vocabulary can be trained on exactly the words
 * the engine (and llama.cpp) will later merge.
 */
public final class ByteLevelPreTokenizer {

    private final String name;
    private final LlamaRegexSplitter splitter;

    private ByteLevelPreTokenizer(String name, LlamaRegexSplitter splitter) {
        this.name = name;
        this.splitter = splitter;
    }

    /**
     * @throws IllegalArgumentException when llama.cpp does not know the name, or the pre-tokenizer
     *                                  ignores merges (a trained merge list would then not be what encodes)
     */
    public static ByteLevelPreTokenizer forPre(String name) {
        LlamaPreTokenizers.PreTokenizer pre = LlamaPreTokenizers.byName(name);
        if (pre == null) {
            throw new IllegalArgumentException("unknown pre-tokenizer '" + name + "'");
        }
        if (pre.ignoreMerges()) {
            throw new IllegalArgumentException("pre-tokenizer '" + name + "' looks whole words up before merging;"
                    + " choose one that only merges (e.g. qwen2)");
        }
        return new ByteLevelPreTokenizer(name, new LlamaRegexSplitter(pre.regexes()));
    }

    public String name() {
        return name;
    }

    /** The pre-tokenizer's words, as text (not yet byte-mapped). */
    public List<String> split(String text) {
        return splitter.split(text);
    }

    /** A word's UTF-8 bytes as GPT-2's printable characters, one character per byte. */
    public static String byteSymbols(String word) {
        return ByteUnicodeMap.encode(word);
    }

    /** The printable character GPT-2's map gives a byte (0-255): the text of that byte's token. */
    public static char byteSymbol(int unsignedByte) {
        return ByteUnicodeMap.charOf(unsignedByte);
    }

    /** The byte a mapped character stands for, or -1 when the character is not in the map. */
    public static int byteOf(char symbol) {
        return ByteUnicodeMap.byteOf(symbol);
    }
}
