package dev.kvlens.inference.report;

import org.jfree.chart.renderer.PaintScale;

import java.awt.Paint;

/**
 * Viridis over {@code [lower, upper]} as a JFreeChart paint scale (heatmap cells and their colour legend).
 *
 * @param lower value drawn darkest
 * @param upper value drawn brightest (greater than lower)
 */
record ViridisPaintScale(double lower, double upper) implements PaintScale {

    ViridisPaintScale {
        if (!(upper > lower)) {
            throw new IllegalArgumentException("a colour scale needs upper > lower, got [" + lower + ", " + upper + "]");
        }
    }

    @Override
    public double getLowerBound() {
        return lower;
    }

    @Override
    public double getUpperBound() {
        return upper;
    }

    @Override
    public Paint getPaint(double value) {
        return Viridis.at((value - lower) / (upper - lower));
    }
}
