package dev.kvlens.inference.session.event;

/**
 * A lane processed the token at {@code position} and produced a next-token distribution.
 *
 * @param lane       lane index
 * @param position   absolute position of the token fed
 * @param token      the token fed at {@code position}
 * @param text       its text
 * @param topIds     the most likely next tokens, best first
 * @param topLogits  their logits
 */
public record TokenStep(int lane, int position, int token, String text, int[] topIds, float[] topLogits)
        implements SessionEvent {
}
