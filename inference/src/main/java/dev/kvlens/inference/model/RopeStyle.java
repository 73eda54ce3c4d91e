package dev.kvlens.inference.model;

/**
 * Which elements of a head vector RoPE rotates together. It depends on how the weights were laid
 * out, not on the model: llama.cpp's converter permutes Llama's Q/K rows so that GGUF "llama"
 * files rotate adjacent pairs, while Hugging Face checkpoints and GGUF qwen2/qwen3 pair each
 * element of the first half with its partner in the second half.
 */
public enum RopeStyle {
    /** Rotate (x[2i], x[2i+1]); llama.cpp's "NORM" mode. */
    ADJACENT_PAIRS,
    /** Rotate (x[i], x[i + d/2]); llama.cpp's "NEOX" mode, Hugging Face's rotate_half. */
    HALVES
}
