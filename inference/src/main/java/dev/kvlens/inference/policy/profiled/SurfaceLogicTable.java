package dev.kvlens.inference.policy.profiled;

/**
 * SurfaceLogicKV-like profile (POLICIES.md 12): per query head behaviour on needle probes.
 *
 * @param topK           attended positions inspected per answer token
 * @param answerTokens   answer tokens generated per probe
 * @param inferenceScore INFsc[l][h] = (surface + logic) / answer tokens, averaged over probes
 * @param surface        answer tokens where the head surface-memorised (copied a needle token)
 * @param logic          answer tokens where it attended the needle without copying
 * @param ignore         answer tokens where it attended outside the needle
 */
public record SurfaceLogicTable(int topK, int answerTokens, double[][] inferenceScore, int[][] surface,
                                int[][] logic, int[][] ignore) {
}
