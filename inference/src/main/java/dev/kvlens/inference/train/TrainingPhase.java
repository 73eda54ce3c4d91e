package dev.kvlens.inference.train;

import java.util.Map;

/**
 * One stretch of a curriculum: {@code steps} steps on documents sized to {@code context} tokens, in
 * batches of {@code batch} windows, drawn from {@code mix} (empty: the corpus's mix). Short contexts first buy many more documents (attention's cost
 * grows with the square of the context; SameDiff ran 4-5x the tokens per second at 128 as at 512),
 * and retrieval learnt there carries over to the longer context of the last phase. A first phase of
 * number copying forms the copying heads fastest: at the teaching shape, copying from 8 symbols was
 * learnt within 60 steps while 200 symbols showed no sign of it after 150.
 */
public record TrainingPhase(int context, int steps, int batch, Map<DocumentKind, Double> mix) {

    /** A phase on the corpus's own mix. */
    public TrainingPhase(int context, int steps, int batch) {
        this(context, steps, batch, Map.of());
    }

    public TrainingPhase {
        mix = Map.copyOf(mix);
        if (context < CorpusRecipe.MIN_CONTEXT) {
            throw new BadRecipeException("training.phases: context must be at least " + CorpusRecipe.MIN_CONTEXT
                    + ", got " + context);
        }
        if (steps < 1) {
            throw new BadRecipeException("training.phases: steps must be at least 1, got " + steps);
        }
        if (batch < 1 || batch > 4096) {
            throw new BadRecipeException("training.phases: batch must be between 1 and 4096, got " + batch);
        }
    }
}
