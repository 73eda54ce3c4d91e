package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.RotaryEmbedding;
import java.util.Arrays;

/**
 * RoPE rotations by whole numbers of positions, prepared once per slot and shared by every
 * {@link SlotRotatedHeadStore} of a cache: {@link #forward(int)} rotates a key into cache slot
 * {@code s}, {@link #inverse(int)} takes a key rotated at slot {@code s} back to no rotation. They
 * are the model's own {@link RotaryEmbedding} (its frequencies, scaling and pairing), so a key
 * rotated here matches what the forward pass would have produced at that position.
 * <p>
 * Grown only from the thread that appends to the cache (before attention runs); read concurrently
 * by attention afterwards.
 */
final class SlotRotations {

    private final ModelConfig config;
    private RotaryEmbedding[] forward = new RotaryEmbedding[0];
    private RotaryEmbedding[] inverse = new RotaryEmbedding[0];

    SlotRotations(ModelConfig config) {
        this.config = config;
    }

    /** Makes slots {@code 0..slots-1} available. */
    void ensure(int slots) {
        int had = forward.length;
        if (slots <= had) {
            return;
        }
        int grown = Math.max(slots, had + had / 4 + 16);
        RotaryEmbedding[] f = Arrays.copyOf(forward, grown);
        RotaryEmbedding[] b = Arrays.copyOf(inverse, grown);
        for (int s = had; s < grown; s++) {
            f[s] = at(s);
            b[s] = at(-s);
        }
        forward = f;
        inverse = b;
    }

    /** Keeps only slots {@code 0..slots-1} (a cache that never holds more no longer needs the rest). */
    void trim(int slots) {
        if (slots < forward.length) {
            forward = Arrays.copyOf(forward, slots);
            inverse = Arrays.copyOf(inverse, slots);
        }
    }

    /** A rotation by {@code positions} (negative to rotate back). */
    RotaryEmbedding at(int positions) {
        RotaryEmbedding r = new RotaryEmbedding(config);
        r.setPosition(positions);
        return r;
    }

    RotaryEmbedding forward(int slot) {
        return forward[slot];
    }

    RotaryEmbedding inverse(int slot) {
        return inverse[slot];
    }

    int slots() {
        return forward.length;
    }

    /** Approximate bytes of the tables: per slot and direction, cos, sin (float) and frequencies (double) per pair. */
    long bytes() {
        long pairs = config.ropeDim() / 2;
        return 2L * forward.length * (pairs * (Float.BYTES * 2 + Double.BYTES) + 48);
    }
}
