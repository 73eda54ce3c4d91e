package dev.kvlens.inference.train;

import dev.kvlens.kernels.backend.Nd4jBackend;
import dev.kvlens.kernels.backend.NativeHeapTuning;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Trains a Llama model ({@link LlamaGraph}) on the CPU with ND4J SameDiff: seeded initialisation,
 * Adam(W) with warm-up and cosine decay, global gradient-norm clipping. The optimiser is written out
 * here (a few in-place array operations per tensor) rather than taken from SameDiff's
 * {@code fit}: the loss is then the one really computed for the gradients (SameDiff's listeners
 * read 0 unless forced, STACK.md), and clipping, schedule and weight decay are exactly as documented
 * in {@link TrainingSettings}. Not thread-safe (its steps may use several threads, see {@link #useThreads}).
 */
public final class LlamaTrainer {

    private static final double ADAM_EPSILON = 1e-8;

    static {
        // Before ND4J loads: the JavaCPP cache folder and OpenBLAS's kernels for this CPU; freed op
        // outputs kept for reuse (a training step allocates and frees hundreds of MB of them).
        Nd4jBackend.prepareNatives();
        NativeHeapTuning.keepFreedMemory();
    }

    private final ModelShape shape;
    private final int vocab;
    private final TrainingSettings settings;
    private final List<LlamaParameter> parameters;
    private final Map<String, INDArray> weights = new LinkedHashMap<>();
    private final Map<String, INDArray> firstMoments = new HashMap<>();
    private final Map<String, INDArray> secondMoments = new HashMap<>();
    private final List<String> variableNames = new ArrayList<>();
    private final Map<String, String> nameOfVariable = new HashMap<>();
    private LlamaGraph[] trainingGraphs;
    /** One thread per worker: a graph always runs on the same thread, so it keeps one session and one set of arrays. */
    private ExecutorService[] workerThreads;
    private int workers = 1;
    private int stepsDone;

    /**
     * A freshly initialised model: matrices and embedding ~ N(0, initStd), the residual output
     * projections ({@code attn_output}, {@code ffn_down}) ~ N(0, initStd / sqrt(2 layers)), norms 1.
     * Tensor {@code i} draws from {@code java.util.Random(seed + i)}, so the weights depend only on
     * (shape, vocabulary size, settings, seed).
     */
    public LlamaTrainer(ModelShape shape, int vocab, TrainingSettings settings, long seed) {
        if (vocab < 2 || vocab > (1 << 20)) {
            throw new BadRecipeException("vocabulary size must be between 2 and 1048576, got " + vocab);
        }
        this.shape = shape;
        this.vocab = vocab;
        this.settings = settings;
        this.parameters = LlamaGraph.parameters(shape, vocab);
        double residualStd = settings.initStd() / Math.sqrt(2.0 * shape.layers());
        for (int i = 0; i < parameters.size(); i++) {
            LlamaParameter p = parameters.get(i);
            float[] values = new float[Math.toIntExact(p.elements())];
            if (p.kind() == LlamaParameter.Kind.NORM) {
                java.util.Arrays.fill(values, 1f);
            } else {
                boolean residual = p.name().endsWith("attn_output.weight") || p.name().endsWith("ffn_down.weight");
                double std = residual ? residualStd : settings.initStd();
                Random random = new Random(seed + i);
                for (int j = 0; j < values.length; j++) {
                    values[j] = (float) (random.nextGaussian() * std);
                }
            }
            INDArray array = Nd4j.create(values, p.trainerShape(), 'c');
            weights.put(p.name(), array);
            firstMoments.put(p.name(), Nd4j.zerosLike(array));
            secondMoments.put(p.name(), Nd4j.zerosLike(array));
            variableNames.add(p.variableName());
            nameOfVariable.put(p.variableName(), p.name());
        }
    }

    /**
     * Splits each batch over {@code n} threads, each with its own graph over {@code batch / n} windows
     * (ND4J's ops ran no faster with more OpenMP threads, but two graphs on two cores ran 1.8x the
     * tokens). The shares' gradients are added in a fixed order, so the result does not depend on timing;
     * it equals the one-thread step up to float rounding.
     */
    public void useThreads(int n) {
        if (n < 1 || settings.batch() % n != 0) {
            throw new BadRecipeException("training.batch " + settings.batch() + " must be a multiple of the "
                    + n + " threads");
        }
        if (trainingGraphs != null && n != workers) {
            throw new IllegalStateException("threads are fixed once training started");
        }
        workers = n;
    }

    public ModelShape shape() {
        return shape;
    }

    public int vocabularySize() {
        return vocab;
    }

    public TrainingSettings settings() {
        return settings;
    }

    public List<LlamaParameter> parameters() {
        return parameters;
    }

    public int stepsDone() {
        return stepsDone;
    }

    /**
     * The tensor {@code name} in the engine's layout: row-major {@code rows x cols} as
     * {@link LlamaParameter} describes it (a matrix is transposed back from the trainer's layout).
     */
    public float[] engineRows(String name) {
        LlamaParameter p = parameter(name);
        INDArray a = weights.get(name);
        INDArray rows = p.kind() == LlamaParameter.Kind.MATRIX ? a.transpose() : a;
        return rows.dup('c').data().asFloat();
    }

    /** Overwrites tensor {@code name} with engine-layout values (see {@link #engineRows}); for tests. */
    public void setEngineRows(String name, float[] values) {
        LlamaParameter p = parameter(name);
        if (values.length != p.elements()) {
            throw new IllegalArgumentException(name + " has " + p.elements() + " values, got " + values.length);
        }
        INDArray rows = Nd4j.create(values, new long[] {p.rows(), p.cols()}, 'c');
        INDArray target = weights.get(name);
        target.assign(p.kind() == LlamaParameter.Kind.MATRIX ? rows.transpose() : rows.reshape(target.shape()));
    }

    private LlamaParameter parameter(String name) {
        for (LlamaParameter p : parameters) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no tensor " + name);
    }

    /**
     * The logits after every token of {@code tokens} (fed at positions 0, 1, ...), row-major
     * {@code tokens.length x vocab}: the same layout as the engine's {@code forward(..., allLogits)}.
     */
    public float[] logits(int[] tokens) {
        if (tokens.length == 0 || tokens.length > shape.context()) {
            throw new IllegalArgumentException("need 1 to " + shape.context() + " tokens, got " + tokens.length);
        }
        LlamaGraph graph = new LlamaGraph(shape, parameters, weights, vocab, 1, tokens.length);
        int[] dummyTargets = new int[tokens.length];
        Map<String, INDArray> feed = graph.feed(new int[][] {tokens}, new int[][] {dummyTargets},
                new float[1][tokens.length]);
        INDArray logits = graph.sameDiff().output(feed, LlamaGraph.LOGITS).get(LlamaGraph.LOGITS);
        return logits.dup('c').data().asFloat();
    }

    /**
     * One optimiser step on {@code windows} (windows of {@code context + 1} ids, context at most the
     * model's); returns the mean cross-entropy (nats per token) of the weights before the step.
     */
    public double step(int[][] windows) {
        MarkedTokens[] marked = new MarkedTokens[windows.length];
        for (int s = 0; s < windows.length; s++) {
            marked[s] = MarkedTokens.unmarked(windows[s]);
        }
        return step(marked).loss();
    }

    /** The losses of one step: every target's mean, and the answer targets' mean (NaN when none). */
    public record StepLoss(double loss, double answerLoss, int answers) {
    }

    /**
     * One optimiser step on {@code windows}, all of one length {@code context + 1} with context at
     * most the model's, as many as a multiple of the threads; the gradient is that of the weighted
     * mean cross-entropy ({@link TrainingSettings#answerWeight()}).
     */
    public StepLoss step(MarkedTokens[] windows) {
        if (windows.length == 0 || windows.length % workers != 0) {
            throw new IllegalArgumentException(windows.length + " windows do not split over " + workers + " threads");
        }
        int length = windows[0].length() - 1;
        if (length < 1 || length > shape.context()) {
            throw new IllegalArgumentException("window of " + windows[0].length() + " ids; windows hold 2 to "
                    + (shape.context() + 1));
        }
        int[][] inputs = new int[windows.length][];
        int[][] targets = new int[windows.length][];
        float[][] lossWeights = new float[windows.length][length];
        double total = 0;
        for (int s = 0; s < windows.length; s++) {
            int[] w = windows[s].ids();
            if (w.length != length + 1) {
                throw new IllegalArgumentException("window of " + w.length + " ids, expected " + (length + 1));
            }
            for (int id : w) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + vocab + ")");
                }
            }
            inputs[s] = java.util.Arrays.copyOfRange(w, 0, length);
            targets[s] = java.util.Arrays.copyOfRange(w, 1, length + 1);
            for (int i = 0; i < length; i++) {
                lossWeights[s][i] = windows[s].answers()[i + 1] ? (float) settings.answerWeight() : 1f;
                total += lossWeights[s][i];
            }
        }
        for (float[] row : lossWeights) {
            for (int i = 0; i < length; i++) {
                row[i] = (float) (row[i] / total);
            }
        }
        LlamaGraph[] graphs = graphsFor(windows.length / workers, length);
        OutAndGrad[] parts = new OutAndGrad[workers];
        if (workers == 1) {
            parts[0] = gradients(graphs[0], 0, inputs, targets, lossWeights);
        } else {
            List<Future<OutAndGrad>> futures = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                int worker = i;
                futures.add(workerThreads[i].submit(() -> gradients(graphs[worker], worker, inputs, targets, lossWeights)));
            }
            for (int i = 0; i < workers; i++) {
                try {
                    parts[i] = futures.get(i).get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("training interrupted", e);
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            }
        }
        // The weights sum to 1 over the batch: its loss and gradient are the sums of the shares'.
        double loss = 0;
        double all = 0;
        double answerSum = 0;
        int answers = 0;
        for (int i = 0; i < workers; i++) {
            loss += parts[i].getOutputs().get(LlamaGraph.LOSS).getDouble(0);
            float[] perToken = parts[i].getOutputs().get(LlamaGraph.TOKEN_LOSS).data().asFloat();
            int share = windows.length / workers;
            for (int j = 0; j < perToken.length; j++) {
                all += perToken[j];
                if (windows[i * share + j / length].answers()[j % length + 1]) {
                    answerSum += perToken[j];
                    answers++;
                }
            }
        }
        Map<String, INDArray> gradients = parts[0].getGradients();
        if (workers > 1) {
            for (String v : variableNames) {
                INDArray g = gradients.get(v);
                for (int i = 1; i < workers; i++) {
                    g.addi(parts[i].getGradients().get(v));
                }
            }
        }
        if (!Double.isFinite(loss)) {
            throw new IllegalStateException("the loss became " + loss + " at step " + (stepsDone + 1)
                    + "; lower training.learning_rate");
        }
        double clipScale = 1;
        if (settings.gradientClip() > 0) {
            double squares = 0;
            for (String v : variableNames) {
                double norm = gradients.get(v).norm2Number().doubleValue();
                squares += norm * norm;
            }
            double norm = Math.sqrt(squares);
            if (norm > settings.gradientClip()) {
                clipScale = settings.gradientClip() / norm;
            }
        }
        adam(gradients, clipScale, settings.learningRateAt(stepsDone));
        stepsDone++;
        return new StepLoss(all / ((double) windows.length * length), answers == 0 ? Double.NaN : answerSum / answers,
                answers);
    }

    /** One graph per thread for {@code share} windows of {@code length} inputs; built once per shape. */
    private LlamaGraph[] graphsFor(int share, int length) {
        if (trainingGraphs == null || trainingGraphs[0].batch() != share || trainingGraphs[0].length() != length) {
            if (trainingGraphs != null) {
                for (LlamaGraph g : trainingGraphs) {
                    g.close();
                }
            }
            trainingGraphs = new LlamaGraph[workers];
            for (int i = 0; i < workers; i++) {
                trainingGraphs[i] = new LlamaGraph(shape, parameters, weights, vocab, share, length);
                trainingGraphs[i].prepareGradients();
            }
        }
        if (workers > 1 && workerThreads == null) {
            workerThreads = new ExecutorService[workers];
            for (int i = 0; i < workers; i++) {
                workerThreads[i] = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "kvlens-train");
                    t.setDaemon(true);
                    return t;
                });
            }
        }
        return trainingGraphs;
    }

    /** Worker {@code i}'s share of the batch: its loss, per-target losses and gradients. */
    private OutAndGrad gradients(LlamaGraph graph, int i, int[][] inputs, int[][] targets, float[][] lossWeights) {
        int share = inputs.length / workers;
        int from = i * share;
        return graph.gradients(
                graph.feed(java.util.Arrays.copyOfRange(inputs, from, from + share),
                        java.util.Arrays.copyOfRange(targets, from, from + share),
                        java.util.Arrays.copyOfRange(lossWeights, from, from + share)),
                List.of(LlamaGraph.LOSS, LlamaGraph.TOKEN_LOSS), variableNames);
    }

    private void adam(Map<String, INDArray> gradients, double clipScale, double lr) {
        int t = stepsDone + 1;
        double b1 = settings.beta1();
        double b2 = settings.beta2();
        double stepSize = lr / (1 - Math.pow(b1, t));
        double secondCorrection = Math.sqrt(1 - Math.pow(b2, t));
        for (LlamaParameter p : parameters) {
            INDArray g = gradients.get(p.variableName());
            if (clipScale != 1) {
                g = g.mul(clipScale);
            }
            INDArray w = weights.get(p.name());
            INDArray m = firstMoments.get(p.name());
            INDArray v = secondMoments.get(p.name());
            m.muli(b1).addi(g.mul(1 - b1));
            v.muli(b2).addi(g.mul(g).muli(1 - b2));
            if (p.kind() == LlamaParameter.Kind.MATRIX && settings.weightDecay() > 0) {
                w.muli(1 - lr * settings.weightDecay());
            }
            INDArray denominator = Transforms.sqrt(v, true).divi(secondCorrection).addi(ADAM_EPSILON);
            w.subi(m.div(denominator).muli(stepSize));
        }
    }

    /**
     * Runs the remaining steps on {@code data} in batches of {@code settings.batch()} windows,
     * printing a progress line every {@code settings.logEvery()} steps to {@code progress} (may be
     * null); returns the loss curve.
     */
    public List<LossPoint> train(TrainingWindows data, PrintWriter progress) {
        return train(data, settings.batch(), progress, settings.steps());
    }

    /**
     * As {@link #train(TrainingWindows, PrintWriter)} with batches of {@code batch} windows, stopping
     * once {@code untilStep} steps are done (a phase of a curriculum, or a trial run; the
     * learning-rate schedule is always the whole run's).
     */
    public List<LossPoint> train(TrainingWindows data, int batch, PrintWriter progress, int untilStep) {
        int last = Math.min(untilStep, settings.steps());
        List<LossPoint> curve = new ArrayList<>();
        long started = System.nanoTime();
        int firstStep = stepsDone;
        double sum = 0;
        double answerSum = 0;
        int count = 0;
        int answers = 0;
        long tokens = 0;
        while (stepsDone < last) {
            MarkedTokens[] windows = new MarkedTokens[batch];
            for (int s = 0; s < batch; s++) {
                windows[s] = data.next();
            }
            StepLoss loss = step(windows);
            tokens += (long) batch * (windows[0].length() - 1);
            sum += loss.loss();
            count++;
            if (loss.answers() > 0) {
                answerSum += loss.answerLoss() * loss.answers();
                answers += loss.answers();
            }
            if (stepsDone % settings.logEvery() == 0 || stepsDone == last) {
                LossPoint point = new LossPoint(stepsDone, sum / count, answers == 0 ? Double.NaN : answerSum / answers);
                curve.add(point);
                sum = 0;
                answerSum = 0;
                count = 0;
                answers = 0;
                if (progress != null) {
                    double seconds = (System.nanoTime() - started) / 1e9;
                    int done = stepsDone - firstStep;
                    double eta = seconds / done * (last - stepsDone);
                    progress.printf(Locale.ROOT, "step %d/%d  loss %.4f  answers %.4f  lr %.2e  context %d  %,.0f tok/s"
                                    + "  elapsed %s  ETA %s%n", stepsDone, last, point.loss(), point.answerLoss(),
                            settings.learningRateAt(stepsDone - 1), windows[0].length() - 1, tokens / seconds,
                            clock(seconds), clock(eta));
                    progress.flush();
                }
            }
        }
        return curve;
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
