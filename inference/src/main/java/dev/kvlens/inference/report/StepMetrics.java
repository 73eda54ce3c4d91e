package dev.kvlens.inference.report;

import dev.kvlens.inference.session.event.LaneInfo;
import dev.kvlens.inference.session.event.MemorySample;
import dev.kvlens.inference.session.event.QualitySample;
import dev.kvlens.inference.session.event.TokenStep;

/**
 * One lane at one step: what {@code metrics.csv} holds in one row. Any of the three samples may be missing
 * (null) when the session did not emit it for that step.
 *
 * @param lane        the lane's configuration
 * @param step        token position
 * @param token       the token fed at this position, or null
 * @param quality     quality against the full cache, or null
 * @param memory      bytes held, or null
 * @param entriesKept entries held over all layers and KV heads after this step
 */
public record StepMetrics(LaneInfo lane, int step, TokenStep token, QualitySample quality, MemorySample memory,
                          long entriesKept) {

    /** Cache bytes as a percentage of the full fp32 cache at this step, NaN without a memory sample. */
    public double percentKept() {
        if (memory == null || memory.fullCacheBytes() <= 0) {
            return Double.NaN;
        }
        return 100.0 * memory.totalBytes() / memory.fullCacheBytes();
    }
}
