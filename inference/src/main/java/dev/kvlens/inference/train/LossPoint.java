package dev.kvlens.inference.train;

/** The mean training loss (nats per token) over the steps up to and including {@code step} (1-based) since the last point. */
public record LossPoint(int step, double loss) {
}
