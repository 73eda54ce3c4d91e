package dev.kvlens.inference.policy.profiled;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.LlamaModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.policy.FullKvPolicy;
import dev.kvlens.inference.policy.KvPolicy;
import dev.kvlens.inference.policy.PolicyLane;
import dev.kvlens.inference.tokenizer.Tokenizer;
import dev.kvlens.kernels.VectorOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What KVSharer's search measures on the model (POLICIES.md 15.4, after the authors' notebook), on
 * short calibration texts the program writes (seeded TinyStories-like sentences, each cut to
 * {@value #MAX_TOKENS} tokens):
 * <ul>
 *   <li>each layer's keys and values (post-RoPE, as the cache holds them) averaged over the texts
 *       element by element; texts differ in length, so position p is averaged over the texts that
 *       reach it (the notebook silently keeps only the texts as long as its first one);</li>
 *   <li>{@code D(i, j)}, {@code i > j}: the mean over KV heads and positions of the Euclidean
 *       distance between the averaged keys, the same for values, and the mean of the two;</li>
 *   <li>the cosine similarity of the final hidden states (after the output norm, every position
 *       flattened into one vector) with and without a layer map, averaged over the texts.</li>
 * </ul>
 */
final class KvSharerCalibration {

    static final int MAX_TOKENS = 64;
    /** Sentences per calibration text: about 40 tokens of a small vocabulary, cut at 64. */
    private static final int SENTENCES = 4;

    private final LlamaModel model;
    private final ModelConfig c;
    private final int[][] tokens;
    private final float[][] fullHidden;

    KvSharerCalibration(LlamaModel model, int[][] tokens) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("kvsharer needs at least one calibration text");
        }
        this.model = model;
        this.c = model.config();
        this.tokens = tokens;
        this.fullHidden = new float[tokens.length][];
        for (int t = 0; t < tokens.length; t++) {
            fullHidden[t] = finalHidden(FullKvPolicy.create(), tokens[t]);
        }
    }

    /** {@code count} texts of a few sentences, from {@code seed}. */
    static List<String> texts(long seed, int count) {
        List<String> texts = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            texts.add(NeedleProbes.story(seed * 7919 + 1000 + k, SENTENCES));
        }
        return texts;
    }

    /** The texts' token ids (BOS first when the vocabulary adds one), each cut to {@value #MAX_TOKENS}. */
    static int[][] tokenize(Tokenizer tokenizer, List<String> texts) {
        int[][] out = new int[texts.size()][];
        for (int k = 0; k < out.length; k++) {
            int[] ids = tokenizer.encode(texts.get(k), true, false);
            out[k] = Arrays.copyOf(ids, Math.min(ids.length, MAX_TOKENS));
            if (out[k].length == 0) {
                throw new IllegalArgumentException("calibration text " + k + " has no tokens");
            }
        }
        return out;
    }

    /** D[i][j] for i > j (0 elsewhere), from the full-cache keys and values of every text. */
    double[][] distances() {
        int layers = c.layers();
        int kvHeads = c.kvHeads();
        int d = c.headDim();
        int longest = Arrays.stream(tokens).mapToInt(t -> t.length).max().orElseThrow();
        double[][][][] keySum = new double[layers][kvHeads][longest][d];
        double[][][][] valueSum = new double[layers][kvHeads][longest][d];
        int[] count = new int[longest];
        float[] row = new float[d];
        for (int[] text : tokens) {
            PolicyLane lane = new PolicyLane(model, FullKvPolicy.create());
            lane.prefill(text, null, false);
            for (int p = 0; p < text.length; p++) {
                count[p]++;
            }
            for (int l = 0; l < layers; l++) {
                for (int g = 0; g < kvHeads; g++) {
                    KvHeadStore s = lane.cache().head(l, g);
                    for (int e = 0; e < s.size(); e++) {
                        int p = s.position(e);
                        s.readKey(e, row, 0);
                        add(keySum[l][g][p], row);
                        s.readValue(e, row, 0);
                        add(valueSum[l][g][p], row);
                    }
                }
            }
        }
        for (int l = 0; l < layers; l++) {
            for (int g = 0; g < kvHeads; g++) {
                for (int p = 0; p < longest; p++) {
                    for (int k = 0; k < d; k++) {
                        keySum[l][g][p][k] /= count[p];
                        valueSum[l][g][p][k] /= count[p];
                    }
                }
            }
        }
        double[][] distance = new double[layers][layers];
        for (int i = 0; i < layers; i++) {
            for (int j = 0; j < i; j++) {
                distance[i][j] = (meanDistance(keySum[i], keySum[j]) + meanDistance(valueSum[i], valueSum[j])) / 2;
            }
        }
        return distance;
    }

    private static void add(double[] sum, float[] row) {
        for (int k = 0; k < sum.length; k++) {
            sum[k] += row[k];
        }
    }

    /** Mean over heads and positions of the Euclidean distance of two [head][position][d] tables. */
    static double meanDistance(double[][][] a, double[][][] b) {
        double total = 0;
        long n = 0;
        for (int g = 0; g < a.length; g++) {
            for (int p = 0; p < a[g].length; p++) {
                double sq = 0;
                for (int k = 0; k < a[g][p].length; k++) {
                    double diff = a[g][p][k] - b[g][p][k];
                    sq += diff * diff;
                }
                total += Math.sqrt(sq);
                n++;
            }
        }
        return total / n;
    }

    /** Mean over the texts of the cosine similarity of final hidden states, full cache vs {@code sources}. */
    double similarity(int[] sources) {
        double sum = 0;
        for (int t = 0; t < tokens.length; t++) {
            sum += cosine(fullHidden[t], finalHidden(KvSharerPolicy.of(c.name(), sources), tokens[t]));
        }
        return sum / tokens.length;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /**
     * Final hidden states of every position (after the output norm, what Hugging Face reports as
     * the last hidden state), flattened: the last layer's input and attention outputs are observed
     * and its output recomputed with {@link LayerReplay} (no listener hook shows it).
     */
    float[] finalHidden(KvPolicy policy, int[] text) {
        int last = c.layers() - 1;
        int n = text.length;
        int dim = c.dim();
        float[][] input = new float[n][];
        float[][] attention = new float[n][c.queryDim()];
        PolicyLane lane = new PolicyLane(model, policy);
        lane.prefill(text, new AttentionListener() {
            @Override
            public boolean wants(int layer, int position) {
                return layer == last;
            }

            @Override
            public void onLayerInput(int layer, int position, float[] residual, int residualOffset, float[] normed,
                                     int normedOffset) {
                input[position] = Arrays.copyOfRange(residual, residualOffset, residualOffset + dim);
            }

            @Override
            public void onAttention(HeadAttention a) {
                a.cache().accumulate(a.weights(), attention[a.position()], a.head() * c.headDim());
            }
        }, false);
        LayerReplay replay = new LayerReplay(c);
        float[] out = new float[n * dim];
        for (int p = 0; p < n; p++) {
            float[] x = replay.output(model.weights().layers().get(last), input[p], attention[p]);
            VectorOps.rmsnorm(out, p * dim, x, 0, model.weights().outputNorm(), dim, c.rmsNormEps());
        }
        return out;
    }

    /** The whole search: distances, then pairs by descending distance tried against the threshold. */
    static KvSharerTable search(LlamaModel model, Tokenizer tokenizer, long seed, int texts, int shareLayers,
                                double threshold) {
        if (texts < 1) {
            throw new IllegalArgumentException("kvsharer needs at least one calibration text, got " + texts);
        }
        int layers = model.config().layers();
        if (shareLayers < 0 || shareLayers >= layers) {
            throw new IllegalArgumentException("kvsharer can share 0.." + (layers - 1) + " of this model's " + layers
                    + " layers (layer 0 has no lower layer), got " + shareLayers);
        }
        List<String> text = texts(seed, texts);
        KvSharerCalibration calibration = new KvSharerCalibration(model, tokenize(tokenizer, text));
        return KvSharerSearch.search(calibration.distances(), shareLayers, threshold, calibration::similarity, text);
    }
}
