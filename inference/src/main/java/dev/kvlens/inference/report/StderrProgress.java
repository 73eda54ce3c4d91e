package dev.kvlens.inference.report;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;

/**
 * A progress bar for long command-line work that draws on stderr only, so stdout stays machine-readable.
 * {@link #quiet()} gives one that draws nothing (for --quiet or when the caller's output is the log).
 */
public final class StderrProgress implements AutoCloseable {

    private final ProgressBar bar;

    private StderrProgress(ProgressBar bar) {
        this.bar = bar;
    }

    /**
     * Starts a bar on the current {@code System.err}.
     *
     * @param task  what is being done ("compare", "sweep")
     * @param total units of work, or a value below 1 when unknown (the bar then counts without an end)
     * @param unit  what one unit is ("tok", "run"), shown with the speed
     */
    public static StderrProgress start(String task, long total, String unit) {
        return start(task, total, unit, System.err);
    }

    static StderrProgress start(String task, long total, String unit, PrintStream err) {
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total >= 1 ? total : -1)
                // ASCII: logs and terminals without Unicode block glyphs show it the same.
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(err))
                .setUpdateIntervalMillis(250)
                .setUnit(" " + unit, 1)
                .showSpeed()
                .build();
        return new StderrProgress(bar);
    }

    /** A progress object that draws nothing. */
    public static StderrProgress quiet() {
        return new StderrProgress(null);
    }

    public void step() {
        if (bar != null) {
            bar.step();
        }
    }

    public void stepBy(long n) {
        if (bar != null) {
            bar.stepBy(n);
        }
    }

    public void stepTo(long n) {
        if (bar != null) {
            bar.stepTo(n);
        }
    }

    /** A short note after the bar ("lane 2 rebuilding"). */
    public void message(String text) {
        if (bar != null) {
            bar.setExtraMessage(text);
        }
    }

    /** Units done so far (0 when quiet). */
    public long current() {
        return bar == null ? 0 : bar.getCurrent();
    }

    /** Draws the final state and ends the line. */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
