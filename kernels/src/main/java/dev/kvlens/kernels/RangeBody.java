package dev.kvlens.kernels;

/** Work on the indices {@code [start, end)} of a range split by {@link Parallel#forRange}. */
@FunctionalInterface
public interface RangeBody {
    void run(int start, int end);
}
