package dev.kvlens.inference.model;

/**
 * How RoPE frequencies are stretched for long contexts.
 *
 * @param type                  NONE, LINEAR (positions divided by {@code factor}) or LLAMA3
 * @param factor                the scaling factor (1 for NONE)
 * @param lowFreqFactor         Llama 3's low-frequency factor
 * @param highFreqFactor        Llama 3's high-frequency factor
 * @param originalContextLength the context the model was pre-trained with (Llama 3)
 */
public record RopeScaling(Type type, float factor, float lowFreqFactor, float highFreqFactor,
                          int originalContextLength) {

    public enum Type { NONE, LINEAR, LLAMA3 }

    public static final RopeScaling NONE = new RopeScaling(Type.NONE, 1f, 1f, 1f, 0);

    public static RopeScaling linear(float factor) {
        return new RopeScaling(Type.LINEAR, factor, 1f, 1f, 0);
    }

    public static RopeScaling llama3(float factor, float lowFreqFactor, float highFreqFactor,
                                     int originalContextLength) {
        return new RopeScaling(Type.LLAMA3, factor, lowFreqFactor, highFreqFactor, originalContextLength);
    }

    /**
     * The frequency of rotation pair {@code i} of {@code ropeDim} after scaling. Llama 3 keeps high
     * frequencies, divides low ones by the factor and blends in between (as in Meta's reference
     * {@code apply_scaling} and Hugging Face's {@code _compute_llama3_parameters}).
     */
    public double scaledFrequency(double frequency) {
        return switch (type) {
            case NONE -> frequency;
            case LINEAR -> frequency / factor;
            case LLAMA3 -> {
                double lowFreqWavelen = originalContextLength / lowFreqFactor;
                double highFreqWavelen = originalContextLength / highFreqFactor;
                double wavelen = 2 * Math.PI / frequency;
                if (wavelen < highFreqWavelen) {
                    yield frequency;
                } else if (wavelen > lowFreqWavelen) {
                    yield frequency / factor;
                } else {
                    double smooth = (originalContextLength / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                    yield (1 - smooth) * frequency / factor + smooth * frequency;
                }
            }
        };
    }
}
