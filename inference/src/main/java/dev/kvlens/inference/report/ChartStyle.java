package dev.kvlens.inference.report;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Stroke;

/**
 * One look for every report chart: white background, light grid, fonts readable when the image is shrunk
 * into a page, the full-cache lane always dark grey and dashed, other lanes in the Okabe-Ito colour-blind
 * safe palette.
 */
final class ChartStyle {

    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 20);
    static final Font SUBTITLE = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    static final Font AXIS_LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 15);
    static final Font TICK_LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    static final Font LEGEND = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    static final Font CELL = new Font(Font.SANS_SERIF, Font.PLAIN, 14);

    static final Color REFERENCE = new Color(0x33, 0x33, 0x33);
    static final Color GRID = new Color(0xDD, 0xDD, 0xDD);
    private static final Color[] LANES = {new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73),
            new Color(0xCC79A7), new Color(0xE69F00), new Color(0x56B4E9), new Color(0xF0E442)};

    private ChartStyle() {
    }

    /** Lane 0 (the full cache) in the reference grey, the others in palette order. */
    static Color laneColour(int lane) {
        return lane <= 0 ? REFERENCE : LANES[(lane - 1) % LANES.length];
    }

    /** Dashed for the full-cache reference, solid for compressed lanes. */
    static Stroke laneStroke(int lane) {
        return lane <= 0 ? referenceStroke() : new BasicStroke(2.4f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    }

    static Stroke referenceStroke() {
        return new BasicStroke(2.0f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[]{8f, 5f}, 0f);
    }

    /** A dashed horizontal line at the full cache's value, labelled on its left end. */
    static ValueMarker referenceMarker(double y, String label) {
        ValueMarker marker = new ValueMarker(y, REFERENCE, referenceStroke());
        marker.setLabel(label);
        marker.setLabelFont(LEGEND);
        marker.setLabelPaint(REFERENCE);
        marker.setLabelBackgroundColor(new Color(255, 255, 255, 0));
        marker.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        marker.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
        return marker;
    }

    /** Applies the fonts, colours and legend placement; adds {@code subtitle} under the title when given. */
    static JFreeChart apply(JFreeChart chart, String subtitle) {
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setPadding(new RectangleInsets(8, 8, 8, 16));
        if (chart.getTitle() != null) {
            chart.getTitle().setFont(TITLE);
            chart.getTitle().setPaint(Color.BLACK);
        }
        if (subtitle != null && !subtitle.isBlank()) {
            TextTitle sub = new TextTitle(subtitle, SUBTITLE);
            sub.setPaint(new Color(0x44, 0x44, 0x44));
            sub.setPadding(new RectangleInsets(2, 0, 6, 0));
            chart.addSubtitle(0, sub);
        }
        LegendTitle legend = chart.getLegend();
        if (legend != null) {
            legend.setItemFont(LEGEND);
            legend.setPosition(RectangleEdge.BOTTOM);
            legend.setFrame(BlockBorder.NONE);
            legend.setBackgroundPaint(Color.WHITE);
            legend.setItemLabelPadding(new RectangleInsets(2, 4, 2, 14));
        }
        if (chart.getPlot() instanceof XYPlot plot) {
            plot.setBackgroundPaint(Color.WHITE);
            plot.setDomainGridlinePaint(GRID);
            plot.setRangeGridlinePaint(GRID);
            plot.setDomainGridlineStroke(new BasicStroke(1f));
            plot.setRangeGridlineStroke(new BasicStroke(1f));
            plot.setOutlinePaint(new Color(0xAA, 0xAA, 0xAA));
            plot.setAxisOffset(new RectangleInsets(4, 4, 4, 4));
            for (int i = 0; i < plot.getDomainAxisCount(); i++) {
                axis(plot.getDomainAxis(i));
            }
            for (int i = 0; i < plot.getRangeAxisCount(); i++) {
                axis(plot.getRangeAxis(i));
            }
        }
        return chart;
    }

    static void axis(ValueAxis axis) {
        if (axis == null) {
            return;
        }
        axis.setLabelFont(AXIS_LABEL);
        axis.setTickLabelFont(TICK_LABEL);
        axis.setLabelPaint(Color.BLACK);
        axis.setTickLabelPaint(new Color(0x22, 0x22, 0x22));
    }
}
