package dev.kvlens.inference.policy.profiled;

import java.util.List;

/**
 * BaKlaVa-like profile (POLICIES.md 11): importances and the searched allocation.
 *
 * @param importance      which head input/output pair was compared ("value-output" or "residual-contribution")
 * @param headImportance  I[l][h] = 1 - mean cos(x, y) per query head
 * @param kvImportance    I[l][g], the mean over the KV head's query heads
 * @param layerImportance J[l] = 1 - mean cos(residual in, residual out) of the decoder layer
 * @param targetKeep      rho, the average kept fraction the allocation was searched for
 * @param gamma           the chosen exponent
 * @param minShare        the chosen floor, as a fraction of rho
 * @param keepFraction    fraction[l][g] of the prompt each KV head keeps (mean = rho)
 * @param search          every grid point tried, with its calibration perplexity
 * @param fullPerplexity  the calibration perplexity with the full cache, for reference
 * @param calibrationText the text perplexity was measured on
 */
public record BaklavaTable(String importance, double[][] headImportance, double[][] kvImportance,
                           double[] layerImportance, double targetKeep, double gamma, double minShare,
                           double[][] keepFraction, List<GridPoint> search, double fullPerplexity,
                           String calibrationText) {

    /** One allocation tried by the search. */
    public record GridPoint(double gamma, double minShare, double perplexity) {
    }
}
