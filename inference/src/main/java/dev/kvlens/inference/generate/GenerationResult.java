package dev.kvlens.inference.generate;

/**
 * What one generation did.
 *
 * @param promptIds    the prompt's token ids (BOS included when the model adds one)
 * @param generatedIds the sampled tokens, the stop token included if one was produced
 * @param text         the generated text (decoded {@code generatedIds}, end-of-generation tokens left out)
 * @param stopReason   "eos" or "limit"
 * @param prefillNanos time spent running the prompt
 * @param decodeNanos  time spent producing the tokens after the first
 */
public record GenerationResult(int[] promptIds, int[] generatedIds, String text, String stopReason,
                               long prefillNanos, long decodeNanos) {

    /** Prompt tokens per second. */
    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptIds.length * 1e9 / prefillNanos;
    }

    /** Generated tokens per second, counting the tokens that needed a decode step. */
    public double decodeTokensPerSecond() {
        int steps = Math.max(0, generatedIds.length - 1);
        return decodeNanos == 0 ? 0 : steps * 1e9 / decodeNanos;
    }
}
