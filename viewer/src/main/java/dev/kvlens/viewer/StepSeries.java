package dev.kvlens.viewer;

import java.util.Arrays;

/**
 * Values over steps in growable primitive columns: one row per step, steps ascending. A row for a
 * step at or before the last one first drops the rows from that step on, so a replay (step back,
 * lane rebuilt) overwrites rather than duplicates. 8 bytes per value plus 4 per step.
 */
public final class StepSeries {

    private final int columns;
    private int[] steps = new int[64];
    private double[] values;
    private int size;

    public StepSeries(int columns) {
        this.columns = columns;
        this.values = new double[64 * columns];
    }

    public void put(int step, double... row) {
        if (row.length != columns) {
            throw new IllegalArgumentException("expected " + columns + " values, got " + row.length);
        }
        truncateFrom(step);
        if (size == steps.length) {
            steps = Arrays.copyOf(steps, size * 2);
            values = Arrays.copyOf(values, size * 2 * columns);
        }
        steps[size] = step;
        System.arraycopy(row, 0, values, size * columns, columns);
        size++;
    }

    /** Drops every row whose step is {@code >= step}. */
    public void truncateFrom(int step) {
        while (size > 0 && steps[size - 1] >= step) {
            size--;
        }
    }

    public void clear() {
        size = 0;
    }

    public int size() {
        return size;
    }

    public int columns() {
        return columns;
    }

    public int step(int row) {
        return steps[row];
    }

    public double value(int row, int column) {
        return values[row * columns + column];
    }

    /** The last row's value, or NaN when empty. */
    public double last(int column) {
        return size == 0 ? Double.NaN : value(size - 1, column);
    }

    /** Heap held, for the memory bound. */
    long bytes() {
        return 4L * steps.length + 8L * values.length;
    }
}
