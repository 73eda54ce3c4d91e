package dev.kvlens.inference.report;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.DefaultXYZDataset;

import java.awt.Color;
import java.util.Locale;

/**
 * One lane's entries kept per (layer, KV head) after its last step, as a viridis heatmap. The colour scale
 * runs from 0 to the positions processed (what the full cache holds per head), so the colour reads as the
 * fraction kept and is comparable across lanes. Small grids carry the count in each cell.
 */
final class BudgetMapChart {

    /** Cells are labelled with their count up to this many cells; beyond, the numbers would not fit. */
    private static final int MAX_LABELLED_CELLS = 512;

    private BudgetMapChart() {
    }

    /** Nominal size in CSS pixels for a grid of {@code layers} x {@code kvHeads}: {width, height}. */
    static int[] size(int layers, int kvHeads) {
        int cellW = Math.clamp(640 / Math.max(1, kvHeads), 10, 96);
        int cellH = Math.clamp(620 / Math.max(1, layers), 10, 56);
        return new int[]{Math.max(680, 230 + kvHeads * cellW), Math.max(440, 170 + layers * cellH)};
    }

    /**
     * @param summary   the lane, with its final entries
     * @param positions entries a full cache holds per head at the same step (the scale's top)
     */
    static JFreeChart of(LaneSummary summary, int positions, String sessionLine) {
        int[][] entries = summary.finalEntries();
        int layers = entries.length;
        int kvHeads = layers == 0 ? 0 : entries[0].length;
        int n = layers * kvHeads;
        double[][] xyz = new double[3][n];
        int max = positions;
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                int i = l * kvHeads + h;
                xyz[0][i] = h;
                xyz[1][i] = l;
                xyz[2][i] = entries[l][h];
                max = Math.max(max, entries[l][h]);
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("entries kept", xyz);
        ViridisPaintScale scale = new ViridisPaintScale(0, Math.max(1, max));
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setPaintScale(scale);
        renderer.setBlockWidth(1);
        renderer.setBlockHeight(1);
        NumberAxis x = new NumberAxis("KV head");
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setRange(-0.5, kvHeads - 0.5);
        x.setLowerMargin(0);
        x.setUpperMargin(0);
        NumberAxis y = new NumberAxis("layer");
        y.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        y.setRange(-0.5, layers - 0.5);
        // Layer 0 on top, as a table of layers reads.
        y.setInverted(true);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setDomainAxisLocation(AxisLocation.BOTTOM_OR_LEFT);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        if (n <= MAX_LABELLED_CELLS) {
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < kvHeads; h++) {
                    XYTextAnnotation label = new XYTextAnnotation(Integer.toString(entries[l][h]), h, l);
                    label.setFont(ChartStyle.CELL);
                    Color cell = (Color) scale.getPaint(entries[l][h]);
                    label.setPaint(Viridis.brightness(cell) > 0.5 ? Color.BLACK : Color.WHITE);
                    plot.addAnnotation(label);
                }
            }
        }
        JFreeChart chart = new JFreeChart("Budget map \u2014 " + ReportText.laneName(summary.lane()),
                ChartStyle.TITLE, plot, false);
        NumberAxis scaleAxis = new NumberAxis("entries kept per KV head");
        scaleAxis.setRange(0, Math.max(1, max));
        scaleAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ChartStyle.axis(scaleAxis);
        PaintScaleLegend legend = new PaintScaleLegend(scale, scaleAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setStripWidth(18);
        legend.setAxisOffset(4);
        legend.setSubdivisionCount(256);
        legend.setMargin(new RectangleInsets(10, 12, 10, 4));
        legend.setFrame(BlockBorder.NONE);
        legend.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(legend);
        String detail = String.format(Locale.ROOT, "entries held after position %d, of %d a full cache holds per head"
                + " \u00b7 total %d of %d (%.1f%%)", positions - 1, positions, summary.finalEntriesTotal(),
                (long) positions * n, n == 0 ? 0.0 : 100.0 * summary.finalEntriesTotal() / ((double) positions * n));
        ChartStyle.apply(chart, sessionLine + "\n" + detail);
        return chart;
    }
}
