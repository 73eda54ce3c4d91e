package dev.kvlens.inference.cli;

import java.util.Map;

/**
 * What {@code kvlens run} reports after the text (or alone, as one JSON object, with {@code --json}).
 * Memory is labelled both ways, entries per KV head and percent of the full cache; never as a bare
 * "compression ratio". Figures that could not be measured (no steps) are null.
 *
 * @param policy                  the policy's command-line id
 * @param policyLabel             its display name ("-like" when reconstructed)
 * @param options                 option values it ran with, defaults filled in
 * @param simulated               true when the policy only masks entries (memory not freed)
 * @param budget                  the budget label ("64 entries/KV head", "25.0% kept", "unlimited")
 * @param budgetEntriesPerKvHead  the budget in entries per KV head, null when given as a fraction
 * @param budgetFractionKept      the budget as a fraction kept, null when given in entries
 * @param promptIds               the prompt's token ids
 * @param generatedIds            tokens after the prompt (sampled, or teacher-forced)
 * @param text                    their text
 * @param stopReason              "eos", "limit" or "teacher-forced" (the forced text ran out or was cut at --max-tokens)
 * @param teacherForced           true when the tokens came from --teacher-forced
 * @param seed                    the sampler's seed
 * @param steps                   tokens predicted and measured
 * @param entriesPerKvHead        entries the lane holds at the end, mean over (layer, KV head)
 * @param fullEntriesPerKvHead    entries the full cache holds at the end, per KV head
 * @param percentEntriesKept      100 · lane entries / full entries at the end
 * @param bytes                   bytes the lane's cache holds at the end (stores and policy bookkeeping),
 *                                after both caches were trimmed to their entries (no growth slack)
 * @param fullBytes               bytes the full cache holds at the end, trimmed the same way
 * @param percentBytes            100 · bytes / fullBytes
 * @param compressions            eviction decisions made (one per (layer, KV head) touched)
 * @param evictedEntries          entries evicted in all
 * @param meanKl                  mean KL(full || lane) over steps, nats
 * @param top1AgreementPercent    percent of steps whose most likely tokens agree
 * @param meanNll                 mean −log p_lane(next token), nats
 * @param fullMeanNll             the same under the full cache, for comparison
 * @param meanAttentionMassKept   mean share of the full cache's attention on entries the lane holds
 * @param meanOutputError         mean relative error of the layers' attention outputs
 */
record RunSummary(String policy, String policyLabel, Map<String, String> options, boolean simulated, String budget,
                  Integer budgetEntriesPerKvHead, Double budgetFractionKept, int[] promptIds, int[] generatedIds,
                  String text, String stopReason, boolean teacherForced, long seed, int steps,
                  double entriesPerKvHead, double fullEntriesPerKvHead, double percentEntriesKept, long bytes,
                  long fullBytes, double percentBytes, int compressions, long evictedEntries, Double meanKl,
                  Double top1AgreementPercent, Double meanNll, Double fullMeanNll, Double meanAttentionMassKept,
                  Double meanOutputError) {
}
