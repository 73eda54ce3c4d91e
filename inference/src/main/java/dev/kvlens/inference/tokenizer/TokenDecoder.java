package dev.kvlens.inference.tokenizer;

/**
 * Incremental detokenizer for generation: bytes of a character split across tokens are held
 * back until the character is complete. Not thread-safe; one per stream.
 */
public interface TokenDecoder {

    /** Appends one token and returns the text that became complete (possibly empty). */
    String accept(int id);

    /** Returns whatever is still held back, undecodable bytes as U+FFFD, and resets. */
    String flush();
}
