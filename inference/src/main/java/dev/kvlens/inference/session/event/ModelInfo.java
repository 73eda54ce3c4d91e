package dev.kvlens.inference.session.event;

/**
 * Model facts a recording needs to be shown without the model.
 *
 * @param name           model name
 * @param architecture   "llama", "qwen2", "qwen3"
 * @param layers         transformer blocks
 * @param heads          query heads
 * @param kvHeads        KV heads
 * @param headDim        head width
 * @param vocabularySize vocabulary
 * @param kvBytesPerToken fp32 KV bytes one token adds to a full cache
 */
public record ModelInfo(String name, String architecture, int layers, int heads, int kvHeads, int headDim,
                        int vocabularySize, long kvBytesPerToken) {
}
