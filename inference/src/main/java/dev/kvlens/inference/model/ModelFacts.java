package dev.kvlens.inference.model;

import java.nio.file.Path;
import java.util.Map;

/**
 * What {@code kvlens inspect} reports about a loaded model.
 *
 * @param source      the file or folder it was loaded from
 * @param format      "GGUF v3", "safetensors (Hugging Face)"...
 * @param fileBytes   bytes of the weight file(s)
 * @param tensorTypes how many tensors of each element type (e.g. F32 -> 11, Q4_K -> 96)
 * @param parameters  number of weights, counting tied matrices once
 * @param tokenizer   the tokenizer's kind
 */
public record ModelFacts(Path source, String format, long fileBytes, Map<String, Integer> tensorTypes,
                         long parameters, String tokenizer) {
}
