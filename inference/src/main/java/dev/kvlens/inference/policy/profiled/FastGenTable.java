package dev.kvlens.inference.policy.profiled;

/**
 * FastGen's vocabulary sets (POLICIES.md 15.5: special and punctuation tokens are tokenizer-specific,
 * built from the vocabulary). The per-head policy itself is chosen from each prompt's attention.
 *
 * @param specialTokens     ids of control tokens (BOS, EOS, ...)
 * @param punctuationTokens ids whose text is only punctuation (leading word-boundary marks removed)
 */
public record FastGenTable(int[] specialTokens, int[] punctuationTokens) {
}
