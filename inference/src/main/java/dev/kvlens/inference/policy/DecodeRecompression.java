package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import java.util.Arrays;

/**
 * Holds a prefill-once policy's budget while decoding (kvpress DecodingPress style, option
 * {@code decode=recompress}): every {@code interval} generated tokens the SnapKV score is re-run on
 * the current cache, with the last {@code min(w, interval)} generated tokens as the observation
 * window, and each (layer, KV head) is evicted back to its target; its last {@code w} entries are
 * protected. Between two compressions the stores only grow, so attention rows can be summed by
 * store index.
 */
public final class DecodeRecompression {

    private final SnapKvScoring scoring;
    private final int interval;
    private final int promptLength;
    private final int group;
    private final int[][] targets;
    private final double[][][] sums;

    /**
     * @param targets entries each (layer, KV head) is brought back to (at least the window)
     */
    public DecodeRecompression(SnapKvScoring scoring, int interval, int promptLength, int heads, int[][] targets) {
        if (interval < 1) {
            throw new IllegalArgumentException("interval must be at least 1 step, got " + interval);
        }
        this.scoring = scoring;
        this.interval = interval;
        this.promptLength = promptLength;
        this.targets = targets;
        int kvHeads = targets[0].length;
        this.group = heads / kvHeads;
        this.sums = new double[targets.length][heads][];
    }

    /** 1-based count of generated tokens after the one at {@code position}. */
    private int stepNumber(int position) {
        return position - promptLength + 1;
    }

    /** A listener for the step at {@code position} when it falls in the window before a compression. */
    public AttentionListener beginStep(int position) {
        int s = stepNumber(position);
        if (s < 1 || (s - 1) % interval < interval - scoring.window()) {
            return null;
        }
        return new AttentionListener() {
            @Override
            public void onAttention(HeadAttention a) {
                double[] sum = sums[a.layer()][a.head()];
                if (sum == null || sum.length < a.entries()) {
                    sum = sum == null ? new double[a.entries()] : Arrays.copyOf(sum, a.entries());
                    sums[a.layer()][a.head()] = sum;
                }
                float[] w = a.weights();
                for (int i = 0; i < a.entries(); i++) {
                    sum[i] += w[i];
                }
            }
        };
    }

    /** Compresses every head above its target when {@code position} ends an interval. */
    public void endStep(int position, CacheEditor editor) {
        int s = stepNumber(position);
        if (s < 1 || s % interval != 0) {
            return;
        }
        int w = scoring.window();
        for (int l = 0; l < targets.length; l++) {
            for (int g = 0; g < targets[l].length; g++) {
                int size = editor.store(l, g).size();
                int target = targets[l][g];
                if (size <= target || size <= w) {
                    continue;
                }
                double[][] groupSums = new double[group][];
                for (int i = 0; i < group; i++) {
                    double[] sum = sums[l][g * group + i];
                    groupSums[i] = sum == null ? new double[size] : Arrays.copyOf(sum, size);
                }
                int prefix = size - w;
                float[] scores = scoring.prefixScores(groupSums, prefix, 1.0);
                editor.retain(l, g, SnapKvScoring.keep(scores, Math.max(0, target - w), prefix, size), target);
            }
        }
        for (double[][] layer : sums) {
            Arrays.fill(layer, null);
        }
    }

    /** Bytes of the attention sums held for the next compression. */
    public long bytes() {
        long total = 0;
        for (double[][] layer : sums) {
            for (double[] s : layer) {
                total += s == null ? 0 : (long) s.length * Double.BYTES;
            }
        }
        return total;
    }
}
