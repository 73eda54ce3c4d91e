package dev.kvlens.inference.cli;

import java.util.Map;

/**
 * What {@code kvlens bench --json} prints.
 *
 * @param backend       which backend and device ran the products
 * @param warmupRuns    unmeasured runs before the repeats (until the JIT compiler had settled)
 * @param prefillTokS   median prompt tokens per second over the repeats
 * @param decodeTokS    median single-token decode steps per second over the repeats
 * @param prefillRuns   each repeat's prefill speed, in order
 * @param decodeRuns    each repeat's decode speed, in order
 * @param idleListenerPrefillTokS with {@code --idle-listener}: the median prefill speed with an idle
 *                      listener attached (runs alternating with the plain ones), else null
 * @param idleListenerDecodeTokS  likewise for decode
 */
record BenchReport(String model, String architecture, int layers, int dim, int heads, int kvHeads, int ffnDim,
                   int vocabularySize, Map<String, Integer> tensorTypes, int threads,
                   String backend, int promptTokens,
                   int genTokens, int warmupRuns, int repeat, double prefillTokS, double decodeTokS, double[] prefillRuns,
                   double[] decodeRuns, Double idleListenerPrefillTokS, Double idleListenerDecodeTokS,
                   double[] idleListenerPrefillRuns, double[] idleListenerDecodeRuns) {
}
