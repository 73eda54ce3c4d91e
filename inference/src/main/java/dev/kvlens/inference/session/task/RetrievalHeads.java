package dev.kvlens.inference.session.task;

import dev.kvlens.inference.cache.FullKvCache;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Which heads read the fact while the answer is produced (the "retrieval heads" of Wu et al., 2024): with
 * a full cache and the answer teacher-forced after the prompt, each head's attention mass on the fact's
 * tokens (every occurrence of the answer inside the prompt), averaged over the positions whose output
 * predicts an answer token.
 */
public final class RetrievalHeads {

    /** One head's mean attention mass on the fact, 0 to 1. */
    public record HeadScore(int layer, int head, double factMass) {
    }

    private RetrievalHeads() {
    }

    /** Mass per [layer][head] on {@code task}; throws when the answer does not occur in the prompt. */
    public static double[][] factMass(LoadedModel model, TaskPrompt task) {
        Tokenizer tokenizer = model.tokenizer();
        TaskScorer.Split split = TaskScorer.split(tokenizer, task.prompt(), task.completion());
        int[] tokens = new int[split.prompt().length + split.answer().length];
        System.arraycopy(split.prompt(), 0, tokens, 0, split.prompt().length);
        System.arraycopy(split.answer(), 0, tokens, split.prompt().length, split.answer().length);
        boolean[] fact = factTokens(tokenizer, split.prompt(), task.prompt(), task.answer());

        ModelConfig c = model.config();
        int first = split.prompt().length - 1; // this position's output predicts the first answer token
        int last = tokens.length - 2;
        double[][] mass = new double[c.layers()][c.heads()];
        AttentionListener listener = new AttentionListener() {
            @Override
            public boolean wants(int layer, int position) {
                return position >= first && position <= last;
            }

            @Override
            public void onAttention(HeadAttention a) {
                double m = 0;
                for (int i = 0; i < a.entries(); i++) {
                    int p = a.cache().position(i);
                    if (p < fact.length && fact[p]) {
                        m += a.weights()[i];
                    }
                }
                mass[a.layer()][a.head()] += m / (last - first + 1);
            }
        };
        FullKvCache cache = new FullKvCache(c.layers(), c.kvHeads(), c.headDim());
        model.model().newForwardPass().forward(tokens, 0, cache, listener, false);
        return mass;
    }

    /** Heads by falling mean fact mass over {@code tasks}. */
    public static List<HeadScore> rank(LoadedModel model, List<TaskPrompt> tasks) {
        ModelConfig c = model.config();
        double[][] sum = new double[c.layers()][c.heads()];
        for (TaskPrompt t : tasks) {
            double[][] m = factMass(model, t);
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.heads(); h++) {
                    sum[l][h] += m[l][h] / tasks.size();
                }
            }
        }
        List<HeadScore> out = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.heads(); h++) {
                out.add(new HeadScore(l, h, sum[l][h]));
            }
        }
        out.sort(Comparator.comparingDouble(HeadScore::factMass).reversed()
                .thenComparingInt(HeadScore::layer).thenComparingInt(HeadScore::head));
        return out;
    }

    /** Prompt tokens whose text overlaps an occurrence of {@code answer} in {@code promptText}. */
    static boolean[] factTokens(Tokenizer tokenizer, int[] prompt, String promptText, String answer) {
        // Token k covers the characters between the decoded lengths of the first k and k + 1 tokens,
        // measured past the leading space decoding may add (SentencePiece's dummy prefix).
        int shift = tokenizer.decode(prompt).length() - promptText.length();
        int[] end = new int[prompt.length + 1];
        for (int k = 1; k <= prompt.length; k++) {
            end[k] = tokenizer.decode(Arrays.copyOf(prompt, k)).length() - shift;
        }
        boolean[] fact = new boolean[prompt.length];
        boolean any = false;
        for (int at = promptText.indexOf(answer); at >= 0; at = promptText.indexOf(answer, at + 1)) {
            int stop = at + answer.length();
            for (int k = 0; k < prompt.length; k++) {
                if (end[k] < stop && end[k + 1] > at) {
                    fact[k] = true;
                    any = true;
                }
            }
        }
        if (!any) {
            throw new IllegalArgumentException("the answer '" + answer + "' does not occur in the prompt");
        }
        return fact;
    }
}
