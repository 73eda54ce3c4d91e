package dev.kvlens.inference.report;

import dev.kvlens.inference.session.event.LaneInfo;

/**
 * One lane over a whole session: what {@code summary.csv} holds in one row. Means skip samples whose value
 * is NaN (not measured); a mean with nothing to average is NaN.
 *
 * @param lane               the lane's configuration
 * @param steps              steps with a row in the metrics
 * @param qualitySteps       steps with a quality sample
 * @param finalBytes         bytes held at the last memory sample, -1 without one
 * @param finalFullBytes     the full fp32 cache's bytes at that step, -1 without one
 * @param meanKl             mean KL(full || lane), nats
 * @param top1AgreementPct   share of quality samples whose top-1 token matches the full cache, percent
 * @param meanNll            mean NLL of the actual next token, nats
 * @param meanAttentionKept  mean share of the full cache's attention on entries the lane holds, 0..1
 * @param meanOutputError    mean relative attention-output error
 * @param taskScore          score on the task, NaN when none was supplied
 * @param finalEntries       entries held per {@code [layer][kvHead]} after the lane's last step
 */
public record LaneSummary(LaneInfo lane, int steps, int qualitySteps, long finalBytes, long finalFullBytes,
                          double meanKl, double top1AgreementPct, double meanNll, double meanAttentionKept,
                          double meanOutputError, double taskScore, int[][] finalEntries) {

    /** Final bytes as a percentage of the full cache, NaN without a memory sample. */
    public double percentOfFull() {
        return finalFullBytes > 0 ? 100.0 * finalBytes / finalFullBytes : Double.NaN;
    }

    /** Entries held after the last step, summed over layers and KV heads. */
    public long finalEntriesTotal() {
        long total = 0;
        for (int[] row : finalEntries) {
            for (int e : row) {
                total += e;
            }
        }
        return total;
    }
}
