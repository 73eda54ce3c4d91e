package dev.kvlens.inference.train;

/**
 * The mean training loss (nats per token, every target weighing 1) over the steps up to and including
 * {@code step} (1-based) since the last point, and the mean over the answer tokens alone (NaN when
 * those steps had none).
 */
public record LossPoint(int step, double loss, double answerLoss) {
}
