package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.AttentionListener;

/**
 * A KV-cache compression policy: one configured instance per lane (it may keep per-lane state,
 * such as H2O's accumulated scores). The cache calls it at the moments the papers need:
 * <ol>
 *   <li>{@link #beginPrefill}: before the prompt runs; the returned listener sees every head's
 *       attention rows of the prompt (observation windows, column sums...);</li>
 *   <li>{@link #endPrefill}: after the prompt, when most policies choose what to keep;</li>
 *   <li>{@link #beginStep} / {@link #endStep}: around every decoding step, for policies that
 *       keep evicting (H2O, TOVA, StreamingLLM) or hold their budget while generating.</li>
 * </ol>
 * Evictions go through the {@link CacheEditor}, which frees memory and records each decision.
 */
public interface KvPolicy {

    PolicyDescriptor descriptor();

    /** The options this instance runs with (defaults filled in). */
    PolicyOptions options();

    /** The budget this instance runs with. */
    Budget budget();

    /**
     * Called before a prompt of {@code promptLength} tokens runs on an empty cache.
     *
     * @return a listener that observes the prompt's attention, or null when none is needed
     */
    default AttentionListener beginPrefill(PolicyContext context, int promptLength) {
        return null;
    }

    /** Called after the prompt's forward pass. */
    void endPrefill(PolicyContext context, CacheEditor editor);

    /** Called before the token at {@code position} runs; may return a listener for its attention. */
    default AttentionListener beginStep(PolicyContext context, int position) {
        return null;
    }

    /** Called after the token at {@code position} has been appended and attended. */
    default void endStep(PolicyContext context, int position, CacheEditor editor) {
    }

    /**
     * How far RoPE positions lag behind original positions for the next token: 0 for every policy
     * but StreamingLLM's in-cache position modes, where it is the number of entries evicted so far.
     */
    default int ropePositionShift() {
        return 0;
    }

    /** Bytes of per-entry bookkeeping the policy holds (e.g. accumulated scores), counted as cache memory. */
    default long bookkeepingBytes() {
        return 0;
    }
}
