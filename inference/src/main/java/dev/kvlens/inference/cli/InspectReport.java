package dev.kvlens.inference.cli;

import java.util.Map;

/**
 * What {@code kvlens inspect --json} prints: the model's shape and what its files hold.
 *
 * @param kvBytesPerToken bytes one token adds to an fp32 KV cache (keys and values, every layer)
 */
record InspectReport(String source, String format, long fileBytes, String architecture, String name, int layers,
                     int dim, int heads, int kvHeads, int headDim, int ffnDim, int contextLength, int vocabularySize,
                     double rmsNormEps, RopeReport rope, Map<String, Integer> tensorTypes, long parameters,
                     String tokenizer, long kvBytesPerToken) {
}
