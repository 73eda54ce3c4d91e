package dev.kvlens.inference.train;

/**
 * How to train: {@code steps} optimiser steps of {@code batch} windows of {@code context + 1} tokens;
 * Adam ({@code beta1}, {@code beta2}, epsilon 1e-8) with a linear warm-up over {@code warmupSteps}
 * to {@code learningRate}, then cosine decay to {@code minLearningRate} at the last step; the
 * global gradient norm clipped to {@code gradientClip} (0 = no clipping); decoupled weight decay
 * {@code weightDecay} on the matrices (AdamW; norms are never decayed); initial weights normal
 * with standard deviation {@code initStd} (the residual output projections scaled by
 * 1/sqrt(2 layers)). The loss is the weighted mean cross-entropy of a batch's targets, where an
 * answer token ({@link MarkedTokens}) weighs {@code answerWeight} and every other token 1: retrieval
 * is a small share of the corpus's tokens, and weighing it more is what makes a small model learn it
 * within the time (1 = the plain mean).
 */
public record TrainingSettings(int steps, int batch, double learningRate, double minLearningRate, int warmupSteps,
                               double beta1, double beta2, double weightDecay, double gradientClip, double initStd,
                               int logEvery, double answerWeight) {

    public static final double MAX_ANSWER_WEIGHT = 1000;

    /** Settings with every token weighing the same. */
    public TrainingSettings(int steps, int batch, double learningRate, double minLearningRate, int warmupSteps,
                            double beta1, double beta2, double weightDecay, double gradientClip, double initStd,
                            int logEvery) {
        this(steps, batch, learningRate, minLearningRate, warmupSteps, beta1, beta2, weightDecay, gradientClip,
                initStd, logEvery, 1);
    }

    public TrainingSettings {
        if (steps < 1 || steps > 10_000_000) {
            throw new BadRecipeException("training.steps must be between 1 and 10000000, got " + steps);
        }
        if (batch < 1 || batch > 4096) {
            throw new BadRecipeException("training.batch must be between 1 and 4096, got " + batch);
        }
        if (!(learningRate > 0) || learningRate > 1) {
            throw new BadRecipeException("training.learning_rate must be in (0, 1], got " + learningRate);
        }
        if (!(minLearningRate >= 0) || minLearningRate > learningRate) {
            throw new BadRecipeException("training.min_learning_rate must be in [0, learning_rate], got " + minLearningRate);
        }
        if (warmupSteps < 0 || warmupSteps > steps) {
            throw new BadRecipeException("training.warmup_steps must be between 0 and training.steps (" + steps
                    + "), got " + warmupSteps);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new BadRecipeException("training.beta1 and training.beta2 must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(weightDecay >= 0) || weightDecay > 1) {
            throw new BadRecipeException("training.weight_decay must be in [0, 1], got " + weightDecay);
        }
        if (!(gradientClip >= 0) || Double.isInfinite(gradientClip)) {
            throw new BadRecipeException("training.gradient_clip must be 0 (off) or a positive number, got " + gradientClip);
        }
        if (!(initStd > 0) || initStd > 1) {
            throw new BadRecipeException("training.init_std must be in (0, 1], got " + initStd);
        }
        if (logEvery < 1) {
            throw new BadRecipeException("training.log_every must be at least 1, got " + logEvery);
        }
        if (!(answerWeight > 0) || answerWeight > MAX_ANSWER_WEIGHT) {
            throw new BadRecipeException("training.answer_weight must be in (0, " + (int) MAX_ANSWER_WEIGHT
                    + "], got " + answerWeight);
        }
    }

    /** The learning rate of step {@code step} (0-based): linear warm-up, then cosine decay. */
    public double learningRateAt(int step) {
        if (step < warmupSteps) {
            return learningRate * (step + 1) / warmupSteps;
        }
        int decaySteps = steps - warmupSteps;
        if (decaySteps <= 1) {
            return learningRate;
        }
        double progress = (double) (step - warmupSteps) / (decaySteps - 1);
        return minLearningRate + 0.5 * (learningRate - minLearningRate) * (1 + Math.cos(Math.PI * progress));
    }
}
