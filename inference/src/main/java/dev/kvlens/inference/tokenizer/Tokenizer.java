package dev.kvlens.inference.tokenizer;

/**
 * Text to token ids and back, with llama.cpp's semantics for GGUF vocabularies and Hugging Face
 * tokenizers' semantics for tokenizer.json. Implementations are immutable and thread-safe.
 */
public interface Tokenizer {

    /**
     * @param addSpecial   add BOS (and EOS, or SEP for WordPiece) as the vocabulary asks, like
     *                     llama.cpp's {@code llama_tokenize(add_special)}
     * @param parseSpecial recognise control token texts such as {@code "<s>"} inside the text;
     *                     user-defined tokens are always recognised, as in llama.cpp
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** The whole text: the pieces' bytes are joined before UTF-8 decoding; control tokens render as nothing. */
    String decode(int[] ids);

    /** A decoder fed one id at a time that returns text as soon as it is complete UTF-8. */
    TokenDecoder streamingDecoder();

    /**
     * The token's text for display: control tokens as their own text, byte tokens whose byte is
     * not a whole character as {@code <0xNN>}.
     */
    String piece(int id);

    int vocabularySize();

    /** BOS id, or -1 when the vocabulary has none. */
    int bos();

    /** EOS id, or -1 when the vocabulary has none. */
    int eos();

    /** True for every id that ends generation (EOS, EOT, end-of-turn markers). */
    boolean isEndOfGeneration(int id);

    /** Whether {@code encode(text, true, ...)} starts with BOS. */
    boolean addsBos();

    /** Human-readable kind, e.g. {@code "gpt2 (byte-level BPE, pre: llama-bpe)"}. */
    String kind();
}
