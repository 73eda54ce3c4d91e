package dev.kvlens.app;

import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.PolicyDescriptor;
import dev.kvlens.inference.policy.PolicyRegistry;
import dev.kvlens.inference.session.LaneConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/**
 * One row of the lanes table: the configuration the session runs (only ever a valid one: a refused
 * edit leaves it as it was) and the lane's live figures.
 */
public final class LaneRow {

    private final ObjectProperty<LaneConfig> config;
    private final LongProperty bytes = new SimpleLongProperty(-1);
    private final LongProperty fullBytes = new SimpleLongProperty(-1);
    private final DoubleProperty kl = new SimpleDoubleProperty(Double.NaN);
    private final DoubleProperty top1 = new SimpleDoubleProperty(Double.NaN);
    private final StringProperty text = new SimpleStringProperty("");
    private final java.util.List<String> pieces = new java.util.ArrayList<>();
    /** Per step: whether this lane's top-1 token agreed with the full cache's (steps undone are removed). */
    private final java.util.TreeMap<Integer, Boolean> top1ByStep = new java.util.TreeMap<>();
    // Figures as the events left them; published to the properties once per pulse (publish()), so a
    // burst of steps updates the table and the output text once, not once per event.
    private long pendingBytes = -1;
    private long pendingFullBytes = -1;
    private double pendingKl = Double.NaN;
    private boolean textStale;

    public LaneRow(LaneConfig config) {
        this.config = new SimpleObjectProperty<>(config);
    }

    public ObjectProperty<LaneConfig> configProperty() {
        return config;
    }

    public LaneConfig config() {
        return config.get();
    }

    public PolicyDescriptor descriptor() {
        return config.get().factory().descriptor();
    }

    /** The configuration with another policy, its options at their defaults, the same budget. */
    public static LaneConfig withPolicy(LaneConfig c, String policyId) {
        return new LaneConfig(PolicyRegistry.factory(policyId), Map.of(), c.budget());
    }

    /** @throws IllegalArgumentException when the text is no budget */
    public static LaneConfig withBudget(LaneConfig c, String budgetText) {
        return new LaneConfig(c.factory(), c.options(), Budget.parse(budgetText));
    }

    /** @throws IllegalArgumentException when the policy refuses the value */
    public static LaneConfig withOption(LaneConfig c, String name, String value) {
        Map<String, String> options = new LinkedHashMap<>(c.options());
        options.put(name, value);
        return new LaneConfig(c.factory(), options, c.budget());
    }

    /** The budget as the user edits it: "64" or "25%". */
    public static String budgetText(Budget b) {
        if (b.entriesPerHead() == Integer.MAX_VALUE) {
            return "100%";
        }
        if (b.isFraction()) {
            double pct = b.keepFraction() * 100;
            return pct == Math.rint(pct) ? (long) pct + "%" : String.format(java.util.Locale.ROOT, "%.1f%%", pct);
        }
        return Integer.toString(b.entriesPerHead());
    }

    public LongProperty bytesProperty() {
        return bytes;
    }

    public LongProperty fullBytesProperty() {
        return fullBytes;
    }

    public DoubleProperty klProperty() {
        return kl;
    }

    /** Share of steps whose top-1 token matched the full cache's. */
    public DoubleProperty top1Property() {
        return top1;
    }

    /** The lane's tokens since the session began. */
    public StringProperty textProperty() {
        return text;
    }

    void clearFigures() {
        bytes.set(-1);
        fullBytes.set(-1);
        kl.set(Double.NaN);
        top1.set(Double.NaN);
        pieces.clear();
        text.set("");
        top1ByStep.clear();
        pendingBytes = -1;
        pendingFullBytes = -1;
        pendingKl = Double.NaN;
        textStale = false;
    }

    /** Shows the figures gathered since the last call. */
    void publish() {
        fullBytes.set(pendingFullBytes);
        bytes.set(pendingBytes);
        kl.set(pendingKl);
        long agreed = top1ByStep.values().stream().filter(a -> a).count();
        top1.set(top1ByStep.isEmpty() ? Double.NaN : (double) agreed / top1ByStep.size());
        if (textStale) {
            textStale = false;
            text.set(String.join("", pieces.subList(Math.min(1, pieces.size()), pieces.size())));
        }
    }

    void memory(long totalBytes, long fullCacheBytes) {
        pendingBytes = totalBytes;
        pendingFullBytes = fullCacheBytes;
    }

    /** The token at {@code index} (0 = the prompt's last token); later ones are dropped (a step back). */
    void token(int index, String piece) {
        while (pieces.size() > index) {
            pieces.removeLast();
        }
        while (pieces.size() < index) {
            pieces.add("");
        }
        pieces.add(piece);
        textStale = true;
    }

    void quality(int step, double klToFull, boolean agrees) {
        pendingKl = klToFull;
        top1ByStep.put(step, agrees);
    }

    /** A step back or a rebuild: what this lane showed from {@code position} on is undone. */
    void rewind(int position) {
        top1ByStep.tailMap(position, true).clear();
    }
}
