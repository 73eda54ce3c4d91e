package dev.kvlens.inference.policy.profiled;

import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.ForwardPass;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.LlamaModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.policy.Ranking;
import java.util.Arrays;

/**
 * SurfaceLogicKV-like behaviour counts (POLICIES.md 12.2-12.3, a reconstruction): each probe is run
 * with a full cache and answered greedily for {@code answerTokens} tokens; for every answer token
 * {@code y_s} and head, the top-{@code k} positions of the attention row that produced it decide:
 * surface memorisation (a needle position holding {@code y_s}), logic construction (a needle
 * position, none holding {@code y_s}) or ignore (no needle position).
 */
final class NeedleBehaviourProfiler {

    /** Behaviour of one head for one answer token. */
    enum Behaviour { SURFACE, LOGIC, IGNORE }

    private final LlamaModel model;
    private final ModelConfig c;
    private final int topK;
    private final int answerTokens;
    private final int[][] surface;
    private final int[][] logic;
    private final int[][] ignore;
    private final double[][] scoreSum;
    private int probes;

    NeedleBehaviourProfiler(LlamaModel model, int topK, int answerTokens) {
        if (topK < 1 || answerTokens < 1) {
            throw new IllegalArgumentException("top-k and answer tokens must be at least 1, got " + topK + ", " + answerTokens);
        }
        this.model = model;
        this.c = model.config();
        this.topK = topK;
        this.answerTokens = answerTokens;
        this.surface = new int[c.layers()][c.heads()];
        this.logic = new int[c.layers()][c.heads()];
        this.ignore = new int[c.layers()][c.heads()];
        this.scoreSum = new double[c.layers()][c.heads()];
    }

    /** Classifies one head's row: {@code top} are the attended positions, {@code tokens[p]} the token at p. */
    static Behaviour classify(int[] top, int[] tokens, int needleStart, int needleEnd, int answer) {
        boolean inNeedle = false;
        for (int p : top) {
            if (p >= needleStart && p < needleEnd) {
                inNeedle = true;
                if (tokens[p] == answer) {
                    return Behaviour.SURFACE;
                }
            }
        }
        return inNeedle ? Behaviour.LOGIC : Behaviour.IGNORE;
    }

    void run(NeedleProbe probe) {
        int n = probe.tokens().length;
        int[] tokens = Arrays.copyOf(probe.tokens(), n + answerTokens);
        int[][][] top = new int[c.layers()][c.heads()][];
        int[] current = {n - 1};
        AttentionListener listener = new AttentionListener() {
            @Override
            public boolean wants(int layer, int position) {
                return position == current[0];
            }

            @Override
            public void onAttention(HeadAttention a) {
                float[] w = Arrays.copyOf(a.weights(), a.entries());
                int[] positions = new int[a.entries()];
                for (int i = 0; i < positions.length; i++) {
                    positions[i] = a.cache().position(i);
                }
                int[] idx = Ranking.top(w, positions, topK);
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = positions[idx[i]];
                }
                top[a.layer()][a.head()] = idx;
            }
        };
        ForwardPass pass = model.newForwardPass();
        KvCache cache = model.newFullCache();
        float[] logits = pass.forward(probe.tokens(), 0, cache, listener, false);
        int[][] hits = new int[c.layers()][c.heads()];
        for (int s = 0; s < answerTokens; s++) {
            int y = argmax(logits);
            tokens[n + s] = y;
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.heads(); h++) {
                    switch (classify(top[l][h], tokens, probe.needleStart(), probe.needleEnd(), y)) {
                        case SURFACE -> {
                            surface[l][h]++;
                            hits[l][h]++;
                        }
                        case LOGIC -> {
                            logic[l][h]++;
                            hits[l][h]++;
                        }
                        case IGNORE -> ignore[l][h]++;
                    }
                }
            }
            if (s + 1 < answerTokens) {
                current[0] = n + s;
                logits = pass.forward(new int[] {y}, n + s, cache, listener, false);
            }
        }
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.heads(); h++) {
                scoreSum[l][h] += hits[l][h] / (double) answerTokens;
            }
        }
        probes++;
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    SurfaceLogicTable table() {
        double[][] score = new double[c.layers()][c.heads()];
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.heads(); h++) {
                score[l][h] = probes == 0 ? 0 : scoreSum[l][h] / probes;
            }
        }
        return new SurfaceLogicTable(topK, answerTokens, score, surface, logic, ignore);
    }
}
