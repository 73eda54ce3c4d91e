package dev.kvlens.inference.cli;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.session.task.TaskPrompt;
import java.util.Locale;

/**
 * The task instances of a sweep from its {@code --filler} and {@code --depth} arguments: a fixed filler
 * length or {@code fit} (the longest prompt that leaves room in the context for the answer and the
 * measured tokens), a fixed depth or {@code spread} (sample i of n at depth i / (n - 1)).
 */
final class TaskInstances {

    static final String FIT = "fit";
    static final String SPREAD = "spread";
    private static final int MAX_FILLER = 100_000;

    private final Integer filler; // null: the task's default
    private final boolean fit;
    private final Double depth; // null: spread
    private final int samples;
    private final int tokensAfterPrompt;
    private final LoadedModel model;

    TaskInstances(String filler, String depth, int samples, int maxTokens, LoadedModel model) {
        this.fit = filler != null && filler.strip().equalsIgnoreCase(FIT);
        this.filler = filler == null || fit ? null : parseFiller(filler);
        this.depth = depth.strip().equalsIgnoreCase(SPREAD) ? null : parseDepth(depth);
        this.samples = samples;
        this.tokensAfterPrompt = maxTokens;
        this.model = model;
    }

    TaskPrompt generate(BuiltInTask task, long seed, int sample) {
        double d = depth != null ? depth : samples == 1 ? 0.5 : (double) sample / (samples - 1);
        if (!fit) {
            return task.generate(seed, filler, d);
        }
        // Filler is drawn in order from the seed, so a longer instance extends a shorter one and its
        // token count grows with the filler: the largest that fits is found by doubling, then bisecting.
        int fits = -1;
        int tooLong = 1;
        while (tooLong <= MAX_FILLER && fits(task.generate(seed, tooLong, d))) {
            fits = tooLong;
            tooLong *= 2;
        }
        if (fits < 0) {
            if (!fits(task.generate(seed, 0, d))) {
                throw new BadArgumentException("--filler fit: even without filler the " + task.id
                        + " prompt does not fit the model's context of " + model.config().contextLength() + " tokens");
            }
            return task.generate(seed, 0, d);
        }
        tooLong = Math.min(tooLong, MAX_FILLER + 1);
        while (tooLong - fits > 1) {
            int mid = (fits + tooLong) >>> 1;
            if (fits(task.generate(seed, mid, d))) {
                fits = mid;
            } else {
                tooLong = mid;
            }
        }
        return task.generate(seed, fits, d);
    }

    /** Prompt, answer and the longer of the answer's generation and the measured tokens fit the context. */
    private boolean fits(TaskPrompt t) {
        int prompt = model.tokenizer().encode(t.prompt(), true, false).length;
        int after = Math.max(t.maxNewTokens(), tokensAfterPrompt);
        return prompt + after <= model.config().contextLength();
    }

    private static int parseFiller(String s) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new BadArgumentException("--filler must be a number of sentences or 'fit', got '" + s + "'");
        }
    }

    private static double parseDepth(String s) {
        try {
            return Double.parseDouble(s.strip().toLowerCase(Locale.ROOT));
        } catch (NumberFormatException e) {
            throw new BadArgumentException("--depth must be a number from 0 to 1 or 'spread', got '" + s + "'");
        }
    }
}
