package dev.kvlens.inference.cli;

/**
 * RoPE as {@code kvlens inspect --json} prints it.
 *
 * @param theta         base frequency
 * @param dim           rotated dimensions of each head
 * @param style         "adjacent_pairs" (llama.cpp NORM) or "halves" (NEOX, Hugging Face rotate_half)
 * @param scaling       "none", "linear" or "llama3"
 * @param scalingFactor the scaling factor (1 without scaling)
 * @param freqFactors   whether the file has per-pair frequency factors ({@code rope_freqs})
 */
record RopeReport(double theta, int dim, String style, String scaling, double scalingFactor, boolean freqFactors) {
}
