package dev.kvlens.inference.report;

/**
 * One run of a sweep: one policy at one budget on one sample of one task.
 *
 * @param policy      policy id ("full" for the uncompressed reference)
 * @param budget      budget label: entries per KV head or % kept
 * @param task        task name
 * @param sample      sample number within the task
 * @param score       the task's score for this run
 * @param meanKl      mean KL(full || lane) over the run, nats (NaN when not measured)
 * @param bytes       KV cache bytes held at the end of the run
 * @param percentKept those bytes as a percentage of a full fp32 cache at the same step
 */
public record SweepRow(String policy, String budget, String task, int sample, double score, double meanKl, long bytes,
                       double percentKept) {

    /** The policy id of the uncompressed reference, drawn as the chart's reference line. */
    public static final String FULL_POLICY = "full";
}
