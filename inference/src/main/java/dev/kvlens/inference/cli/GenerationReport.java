package dev.kvlens.inference.cli;

/**
 * What {@code kvlens generate --json} prints.
 *
 * @param promptIds    the prompt's token ids (BOS included when the model adds one)
 * @param generatedIds the sampled ids, an end-of-generation token included
 * @param text         the decoded continuation
 * @param stopReason   "eos" or "limit"
 * @param prefillTokS  prompt tokens per second
 * @param decodeTokS   generated tokens per second (decode steps)
 * @param seed         the sampler's seed, so a sampled run can be repeated
 */
record GenerationReport(int[] promptIds, int[] generatedIds, String text, String stopReason, double prefillTokS,
                        double decodeTokS, long seed) {
}
