package dev.kvlens.viewer;

import dev.kvlens.inference.session.KeySpectrum;
import java.awt.BasicStroke;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.geometry.Insets;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The key spectrum of the selected head (ThinK's low-rank observation): the singular values of the
 * keys its KV head holds in the shown lane, each over the largest, against their rank, on a linear or
 * logarithmic axis; the share of the keys' energy ({@code sum sigma^2}) the top r values capture on a
 * second axis; effective rank and the ranks that reach 90% and 99% of the energy printed above. The
 * app computes the spectrum off the JavaFX thread and hands it over ({@link #setSpectrum}), or says why
 * there is none ({@link #setMessage}).
 */
public final class KeySpectrumView extends LaneChartView {

    /** Series names (legend). */
    public static final String VALUES = "singular value / largest";
    public static final String ENERGY = "energy in top r (%)";

    /** Lowest value the log axis reaches. */
    private static final double SMALLEST = 1e-6;

    private final XYSeriesCollection values = new XYSeriesCollection();
    private final XYSeriesCollection energy = new XYSeriesCollection();
    private final BooleanProperty logScale = new SimpleBooleanProperty(this, "logScale", true);
    private final CheckBox logBox = new CheckBox("log scale");
    private final Label summary = new Label();
    private final HBox controls;
    private XYLineAndShapeRenderer valueRenderer;
    private XYLineAndShapeRenderer energyRenderer;
    private TextTitle subtitle;
    private JFreeChart current;
    private KeySpectrum spectrum;
    private String laneName = "";
    private String message = "Run a session and select a head to see its key spectrum.";
    private Object shown;

    public KeySpectrumView(SessionViewModel model) {
        super(model);
        getStyleClass().add("key-spectrum-view");
        summary.getStyleClass().add("key-spectrum-summary");
        summary.setId("key-spectrum-summary");
        summary.setWrapText(true);
        summary.setMaxWidth(Double.MAX_VALUE);
        logBox.setId("key-spectrum-log");
        logBox.setMinWidth(Region.USE_PREF_SIZE);
        logBox.selectedProperty().bindBidirectional(logScale);
        HBox.setHgrow(summary, Priority.ALWAYS);
        controls = new HBox(12, summary, logBox);
        controls.setPadding(new Insets(4, 8, 2, 8));
        getChildren().add(controls);
        logScale.addListener((o, a, b) -> rebuild());
        setPrefSize(480, 450);
        rebuild();
    }

    /** Singular values on a logarithmic axis (default), else linear. */
    public BooleanProperty logScaleProperty() {
        return logScale;
    }

    /** Shows {@code s}, computed for the lane named {@code laneName}. */
    public void setSpectrum(KeySpectrum s, String laneName) {
        this.spectrum = s;
        this.laneName = laneName == null ? "" : laneName;
        this.message = null;
        invalidateContent();
    }

    /** Shows no spectrum, only why (no session, a recording, computing, a failure). */
    public void setMessage(String text) {
        this.spectrum = null;
        this.message = text;
        invalidateContent();
    }

    /** The spectrum shown, or null. */
    public KeySpectrum spectrum() {
        return spectrum;
    }

    /** The line of figures above the chart (or the message when there is no spectrum). */
    public String summaryText() {
        flush();
        return summary.getText();
    }

    public XYSeriesCollection values() {
        flush();
        return values;
    }

    @Override
    protected JFreeChart createChart() {
        values.removeAllSeries();
        energy.removeAllSeries();
        shown = null;
        NumberAxis x = new NumberAxis("rank r");
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setAutoRangeIncludesZero(false);
        ValueAxis y;
        if (logScale.get()) {
            LogAxis log = new LogAxis(VALUES);
            log.setSmallestValue(SMALLEST);
            // One labelled tick per decade, nine unlabelled ones between.
            log.setTickUnit(new NumberTickUnit(1), false, true);
            log.setMinorTickCount(9);
            log.setMinorTickMarksVisible(true);
            log.setNumberFormatOverride(new DecimalFormat("0.######"));
            log.setRange(0.1, 1.2);
            y = log;
        } else {
            NumberAxis linear = new NumberAxis(VALUES);
            linear.setRange(0, 1.05);
            y = linear;
        }
        valueRenderer = new XYLineAndShapeRenderer(true, true);
        XYPlot plot = new XYPlot(values, x, y, valueRenderer);
        NumberAxis percent = new NumberAxis(ENERGY);
        percent.setRange(0, 102);
        plot.setRangeAxis(1, percent);
        plot.setDataset(1, energy);
        energyRenderer = new XYLineAndShapeRenderer(true, false);
        plot.setRenderer(1, energyRenderer);
        plot.mapDatasetToRangeAxis(1, 1);
        JFreeChart c = new JFreeChart("Key spectrum", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        c.getLegend().setPosition(RectangleEdge.BOTTOM);
        subtitle = new TextTitle("");
        c.addSubtitle(subtitle);
        current = c;
        return c;
    }

    @Override
    protected void refresh() {
        KeySpectrum s = spectrum;
        Object signature = s == null ? message : List.of(s, laneName);
        if (signature != null && signature.equals(shown)) {
            return;
        }
        shown = signature;
        values.removeAllSeries();
        energy.removeAllSeries();
        if (s == null) {
            current.getTitle().setText("Key spectrum");
            subtitle.setText("");
            summary.setText(message == null ? "" : message);
            return;
        }
        current.getTitle().setText(String.format(Locale.ROOT, "Key spectrum · layer %d · KV head %d · %s", s.layer(), s.kvHead(),
                laneName));
        subtitle.setText(String.format(Locale.ROOT, "%d cached keys × %d dims at step %d", s.entries(), s.headDim(),
                s.position()));
        XYSeries v = new XYSeries(VALUES, false, true);
        XYSeries e = new XYSeries(ENERGY, false, true);
        double[] normalised = s.normalised();
        for (int i = 0; i < normalised.length; i++) {
            // A log axis has no place for 0: such a value (exactly rank-deficient keys) is left out there.
            if (!logScale.get() || normalised[i] > 0) {
                v.add(i + 1, normalised[i], false);
            }
            e.add(i + 1, 100 * s.energyCaptured(i + 1), false);
        }
        values.addSeries(v);
        energy.addSeries(e);
        if (logScale.get() && current.getXYPlot().getRangeAxis() instanceof LogAxis log) {
            // From the decade below the smallest value shown (never below 1e-6) to just above 1.
            double smallest = 1;
            for (double n : normalised) {
                if (n > 0) {
                    smallest = Math.min(smallest, n);
                }
            }
            double decade = Math.max(SMALLEST, Math.pow(10, Math.floor(Math.log10(smallest) - 1e-9)));
            log.setRange(decade * 0.8, 1.25); // margins so that both end ticks show
        }
        summary.setText(summaryOf(s));
        refreshLaneStyles();
    }

    /** "effective rank 3.42 of 8 · 90% energy in 3 · 99% in 6 · top 1: 61.2%, top 2: 80.3%, ...". */
    static String summaryOf(KeySpectrum s) {
        int k = s.singularValues().length;
        if (k == 0 || s.energyCaptured(k) == 0) {
            return s.entries() + " cached keys × " + s.headDim() + " dims: " + (k == 0 ? "no entries" : "all zero");
        }
        List<String> tops = new ArrayList<>();
        for (int r = 1; r < k; r *= 2) {
            tops.add(String.format(Locale.ROOT, "top %d: %.1f%%", r, 100 * s.energyCaptured(r)));
        }
        return String.format(Locale.ROOT, "effective rank %.2f of %d · 90%% energy in %d · 99%% in %d · %s",
                s.effectiveRank(), k, s.rankFor(0.90), s.rankFor(0.99), String.join(", ", tops));
    }

    @Override
    protected void refreshLaneStyles() {
        if (valueRenderer == null) {
            return;
        }
        float w = (float) Math.max(2, getFont().getSize() / 6);
        valueRenderer.setSeriesPaint(0, awt(getAccentFill()));
        valueRenderer.setSeriesStroke(0, new BasicStroke(w));
        energyRenderer.setSeriesPaint(0, awt(getTextFill()));
        energyRenderer.setSeriesStroke(0, new BasicStroke(w, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f,
                new float[] {3 * w, 2 * w}, 0));
    }

    @Override
    protected void layoutChildren() {
        flushIfShowing();
        double x = snappedLeftInset(), y = snappedTopInset();
        double w = getWidth() - x - snappedRightInset(), h = getHeight() - y - snappedBottomInset();
        double ch = controls.prefHeight(w);
        controls.resizeRelocate(x, y, w, ch);
        if (chartViewer() != null) {
            chartViewer().resizeRelocate(x, y + ch, w, Math.max(0, h - ch));
        }
    }
}
