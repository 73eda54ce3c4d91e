package dev.kvlens.inference.model;

/**
 * Rotary position embedding. The angles for one absolute position are computed once per token
 * ({@link #setPosition}) and applied to every query and key head of that token.
 */
public final class RotaryEmbedding {

    private final RopeStyle style;
    private final int headDim;
    private final int ropeDim;
    private final double[] frequencies;
    private final float[] cos;
    private final float[] sin;

    public RotaryEmbedding(ModelConfig config) {
        this.style = config.ropeStyle();
        this.headDim = config.headDim();
        this.ropeDim = config.ropeDim();
        int pairs = ropeDim / 2;
        this.frequencies = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            double f = Math.pow(config.ropeTheta(), -2.0 * i / ropeDim);
            f = config.ropeScaling().scaledFrequency(f);
            if (config.ropeFreqFactors() != null) {
                f /= config.ropeFreqFactors()[i];
            }
            frequencies[i] = f;
        }
        this.cos = new float[pairs];
        this.sin = new float[pairs];
    }

    /** Prepares the rotation for absolute position {@code position}. */
    public void setPosition(int position) {
        for (int i = 0; i < frequencies.length; i++) {
            double angle = position * frequencies[i];
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
        }
    }

    /** Rotates {@code heads} consecutive head vectors starting at {@code offset}, in place. */
    public void apply(float[] x, int offset, int heads) {
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            if (style == RopeStyle.ADJACENT_PAIRS) {
                for (int i = 0; i < cos.length; i++) {
                    int a = base + 2 * i;
                    float x0 = x[a];
                    float x1 = x[a + 1];
                    x[a] = x0 * cos[i] - x1 * sin[i];
                    x[a + 1] = x0 * sin[i] + x1 * cos[i];
                }
            } else {
                int half = ropeDim / 2;
                for (int i = 0; i < half; i++) {
                    int a = base + i;
                    float x0 = x[a];
                    float x1 = x[a + half];
                    x[a] = x0 * cos[i] - x1 * sin[i];
                    x[a + half] = x0 * sin[i] + x1 * cos[i];
                }
            }
        }
    }
}
