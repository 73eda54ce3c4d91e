package dev.kvlens.inference.gguf;

import java.lang.foreign.MemorySegment;

/**
 * Writes one tensor's bytes straight into the output file's mapping, so that a large model can be
 * written without holding its tensors on the heap.
 */
@FunctionalInterface
public interface GgufTensorFiller {

    /** Fills {@code target}, which is exactly the tensor's byte size and initially zero. */
    void fill(MemorySegment target);
}
