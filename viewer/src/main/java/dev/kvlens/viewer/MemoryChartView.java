package dev.kvlens.viewer;

import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Bytes each lane's cache holds over steps (MemorySample.totalBytes), with the full fp32 cache's
 * bytes dashed for reference; legend per lane; y axis in binary units.
 */
public final class MemoryChartView extends LaneChartView {

    /** Legend entry of the reference line. */
    public static final String FULL_CACHE = "full cache (fp32)";

    private final XYSeriesCollection dataset = new XYSeriesCollection();
    private XYLineAndShapeRenderer renderer;

    public MemoryChartView(SessionViewModel model) {
        super(model);
        getStyleClass().add("memory-chart-view");
        rebuild();
    }

    public XYSeriesCollection dataset() {
        flush();
        return dataset;
    }

    @Override
    protected JFreeChart createChart() {
        dataset.removeAllSeries();
        NumberAxis x = new NumberAxis("step (token position)");
        x.setAutoRangeIncludesZero(false);
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        NumberAxis y = new NumberAxis("KV cache held");
        y.setNumberFormatOverride(new ByteFormat());
        renderer = lines();
        XYPlot plot = new XYPlot(dataset, x, y, renderer);
        JFreeChart c = new JFreeChart("KV cache memory per lane", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        LegendTitle legend = c.getLegend();
        legend.setPosition(RectangleEdge.BOTTOM);
        return c;
    }

    @Override
    protected void refresh() {
        LaneState ref = model.lane(0);
        for (LaneState l : model.lanes()) {
            sync(seriesFor(dataset, l.displayName()), l.memory(), LaneState.MEM_TOTAL, 1);
        }
        if (ref != null) {
            sync(seriesFor(dataset, FULL_CACHE), ref.memory(), LaneState.MEM_FULL, 1);
        }
    }

    @Override
    protected void refreshLaneStyles() {
        if (renderer == null) {
            return;
        }
        for (int i = 0; i < dataset.getSeriesCount(); i++) {
            String key = (String) dataset.getSeriesKey(i);
            int lane = laneOf(key);
            styleSeries(renderer, i, FULL_CACHE.equals(key) ? 0 : lane, FULL_CACHE.equals(key));
        }
    }

    private int laneOf(String key) {
        for (LaneState l : model.lanes()) {
            if (l.displayName().equals(key)) {
                return l.index();
            }
        }
        return 0;
    }

    /** Axis ticks in KiB/MiB. */
    private static final class ByteFormat extends NumberFormat {
        @Override
        public StringBuffer format(double number, StringBuffer toAppendTo, FieldPosition pos) {
            return toAppendTo.append(Bytes.format(number));
        }

        @Override
        public StringBuffer format(long number, StringBuffer toAppendTo, FieldPosition pos) {
            return toAppendTo.append(Bytes.format(number));
        }

        @Override
        public Number parse(String source, ParsePosition parsePosition) {
            return null;
        }
    }
}
