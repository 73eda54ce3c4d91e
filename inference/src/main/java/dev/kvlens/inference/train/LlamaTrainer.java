package dev.kvlens.inference.train;

import dev.kvlens.kernels.backend.Nd4jBackend;
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
        // Before ND4J loads: the JavaCPP cache folder and OpenBLAS's kernels for this CPU.
        Nd4jBackend.prepareNatives();
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
    private ExecutorService pool;
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
     * tokens). The gradients are averaged in a fixed order, so the result does not depend on timing;
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
        Map<String, INDArray> feed = graph.feed(new int[][] {tokens}, new int[][] {dummyTargets});
        INDArray logits = graph.sameDiff().output(feed, LlamaGraph.LOGITS).get(LlamaGraph.LOGITS);
        return logits.dup('c').data().asFloat();
    }

    /**
     * One optimiser step on {@code windows} ({@code batch} windows of {@code context + 1} ids);
     * returns the mean cross-entropy (nats per token) of the weights before the step.
     */
    public double step(int[][] windows) {
        if (trainingGraphs == null) {
            trainingGraphs = new LlamaGraph[workers];
            for (int i = 0; i < workers; i++) {
                trainingGraphs[i] = new LlamaGraph(shape, parameters, weights, vocab, settings.batch() / workers,
                        shape.context());
                trainingGraphs[i].prepareGradients();
            }
            if (workers > 1) {
                pool = Executors.newFixedThreadPool(workers, r -> {
                    Thread t = new Thread(r, "kvlens-train");
                    t.setDaemon(true);
                    return t;
                });
            }
        }
        int[][] inputs = new int[windows.length][];
        int[][] targets = new int[windows.length][];
        for (int s = 0; s < windows.length; s++) {
            int[] w = windows[s];
            if (w.length != shape.context() + 1) {
                throw new IllegalArgumentException("window of " + w.length + " ids, expected " + (shape.context() + 1));
            }
            for (int id : w) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + vocab + ")");
                }
            }
            inputs[s] = java.util.Arrays.copyOfRange(w, 0, w.length - 1);
            targets[s] = java.util.Arrays.copyOfRange(w, 1, w.length);
        }
        OutAndGrad[] parts = new OutAndGrad[workers];
        if (workers == 1) {
            parts[0] = gradients(0, inputs, targets);
        } else {
            List<Future<OutAndGrad>> futures = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                int worker = i;
                futures.add(pool.submit(() -> gradients(worker, inputs, targets)));
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
        // Equal shares of the batch: the batch's mean loss and gradient are the means of the shares'.
        double loss = 0;
        for (OutAndGrad part : parts) {
            loss += part.getOutputs().get(LlamaGraph.LOSS).getDouble(0) / workers;
        }
        Map<String, INDArray> gradients = parts[0].getGradients();
        if (workers > 1) {
            for (String v : variableNames) {
                INDArray g = gradients.get(v);
                for (int i = 1; i < workers; i++) {
                    g.addi(parts[i].getGradients().get(v));
                }
                g.divi(workers);
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
        return loss;
    }

    /** Worker {@code i}'s share of the batch: its loss and gradients. */
    private OutAndGrad gradients(int i, int[][] inputs, int[][] targets) {
        int share = inputs.length / workers;
        int from = i * share;
        LlamaGraph graph = trainingGraphs[i];
        return graph.sameDiff().calculateGradientsAndOutputs(
                graph.feed(java.util.Arrays.copyOfRange(inputs, from, from + share),
                        java.util.Arrays.copyOfRange(targets, from, from + share)),
                List.of(LlamaGraph.LOSS), variableNames);
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
     * Runs the remaining steps on {@code data}, printing a progress line every
     * {@code settings.logEvery()} steps to {@code progress} (may be null); returns the loss curve.
     */
    public List<LossPoint> train(TrainingWindows data, PrintWriter progress) {
        return train(data, progress, settings.steps());
    }

    /**
     * As {@link #train(TrainingWindows, PrintWriter)}, stopping once {@code untilStep} steps are done
     * (a trial run keeps the full run's learning-rate schedule).
     */
    public List<LossPoint> train(TrainingWindows data, PrintWriter progress, int untilStep) {
        int last = Math.min(untilStep, settings.steps());
        List<LossPoint> curve = new ArrayList<>();
        long started = System.nanoTime();
        int firstStep = stepsDone;
        double sum = 0;
        int count = 0;
        long tokensPerStep = (long) settings.batch() * shape.context();
        while (stepsDone < last) {
            int[][] batch = new int[settings.batch()][];
            for (int s = 0; s < batch.length; s++) {
                batch[s] = data.next();
            }
            sum += step(batch);
            count++;
            if (stepsDone % settings.logEvery() == 0 || stepsDone == last) {
                LossPoint point = new LossPoint(stepsDone, sum / count);
                curve.add(point);
                sum = 0;
                count = 0;
                if (progress != null) {
                    double seconds = (System.nanoTime() - started) / 1e9;
                    int done = stepsDone - firstStep;
                    double tokensPerSecond = done * tokensPerStep / seconds;
                    double eta = seconds / done * (last - stepsDone);
                    progress.printf(Locale.ROOT, "step %d/%d  loss %.4f  lr %.2e  %,.0f tok/s  elapsed %s  ETA %s%n",
                            stepsDone, last, point.loss(), settings.learningRateAt(stepsDone - 1),
                            tokensPerSecond, clock(seconds), clock(eta));
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
