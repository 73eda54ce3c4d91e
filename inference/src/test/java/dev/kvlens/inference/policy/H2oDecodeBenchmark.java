package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.kernels.Parallel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * What H2O's per-step bookkeeping costs in a decode step: two lanes at the same budget, StreamingLLM
 * (same cache size and one eviction per step, no scores) and H2O, step in alternating blocks. For
 * each, the time inside the policy (its attention listener and endStep) is measured apart from the
 * store's own eviction copy (retain). Not a unit test; run by hand:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp inference/target-X/classes:inference/target-X/test-classes:kernels/target-X/classes \
 *     dev.kvlens.inference.policy.H2oDecodeBenchmark MODEL.gguf [prompt=600] [budget=512] [steps=32] [rounds=4] [threads]
 * </pre>
 */
public final class H2oDecodeBenchmark {

    private H2oDecodeBenchmark() {
    }

    public static void main(String[] args) {
        Path model = Path.of(args[0]);
        int promptLength = args.length > 1 ? Integer.parseInt(args[1]) : 600;
        int budget = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 4;
        if (args.length > 5) {
            Parallel.setThreads(Integer.parseInt(args[5]));
        }
        try (LoadedModel loaded = ModelLoader.load(model)) {
            var c = loaded.config();
            System.out.printf("model %s: %d layers, %d heads, %d KV heads, head %d, dim %d; prompt %d, budget %d, "
                            + "threads %d%n", model.getFileName(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.dim(),
                    promptLength, budget, Parallel.threads());
            int[] prompt = new Random(7).ints(promptLength, 3, c.vocabularySize()).toArray();
            prompt[0] = 1;
            Timed[] policies = {new Timed(PolicyRegistry.create("streamingllm", Budget.entries(budget))),
                    new Timed(PolicyRegistry.create("h2o", Budget.entries(budget)))};
            PolicyLane[] lanes = new PolicyLane[2];
            int[] next = new int[2];
            for (int i = 0; i < 2; i++) {
                lanes[i] = new PolicyLane(loaded.model(), policies[i]);
                next[i] = argmax(lanes[i].prefill(prompt, null, false));
            }
            double[][] stepMs = new double[2][rounds];
            double[][] policyMs = new double[2][rounds];
            double[][] retainMs = new double[2][rounds];
            for (int r = -1; r < rounds; r++) { // round -1 warms up
                for (int i = 0; i < 2; i++) {
                    policies[i].reset();
                    long start = System.nanoTime();
                    for (int s = 0; s < steps; s++) {
                        next[i] = argmax(lanes[i].step(next[i], null));
                    }
                    long total = System.nanoTime() - start;
                    if (r >= 0) {
                        stepMs[i][r] = total / 1e6 / steps;
                        policyMs[i][r] = (policies[i].policyNanos - policies[i].retainNanos) / 1e6 / steps;
                        retainMs[i][r] = policies[i].retainNanos / 1e6 / steps;
                    }
                }
            }
            for (int i = 0; i < 2; i++) {
                double step = median(stepMs[i]);
                double book = median(policyMs[i]);
                double retain = median(retainMs[i]);
                System.out.printf("%-13s step %.3f ms | policy bookkeeping %.4f ms (%.2f %%) | store eviction copy %.4f ms "
                                + "(%.2f %%) | cache %d entries/head%n", policies[i].descriptor().id(), step, book,
                        100 * book / step, retain, 100 * retain / step, lanes[i].cache().head(0, 0).size());
            }
            double extra = median(stepMs[1]) - median(stepMs[0]);
            System.out.printf("H2O step minus StreamingLLM step: %.3f ms (%.2f %% of the H2O step)%n", extra,
                    100 * extra / median(stepMs[1]));
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Delegates to a policy, timing its step listener and endStep, and apart from them the stores' retain. */
    private static final class Timed implements KvPolicy {
        private final KvPolicy policy;
        long policyNanos;
        long retainNanos;

        Timed(KvPolicy policy) {
            this.policy = policy;
        }

        void reset() {
            policyNanos = 0;
            retainNanos = 0;
        }

        @Override
        public PolicyDescriptor descriptor() {
            return policy.descriptor();
        }

        @Override
        public PolicyOptions options() {
            return policy.options();
        }

        @Override
        public Budget budget() {
            return policy.budget();
        }

        @Override
        public AttentionListener beginPrefill(PolicyContext context, int promptLength) {
            return policy.beginPrefill(context, promptLength);
        }

        @Override
        public void endPrefill(PolicyContext context, CacheEditor editor) {
            policy.endPrefill(context, editor);
        }

        @Override
        public AttentionListener beginStep(PolicyContext context, int position) {
            long t = System.nanoTime();
            AttentionListener inner = policy.beginStep(context, position);
            policyNanos += System.nanoTime() - t;
            if (inner == null) {
                return null;
            }
            return new AttentionListener() {
                @Override
                public boolean wants(int layer, int pos) {
                    return inner.wants(layer, pos);
                }

                @Override
                public void onAttention(HeadAttention a) {
                    long s = System.nanoTime();
                    inner.onAttention(a);
                    policyNanos += System.nanoTime() - s;
                }
            };
        }

        @Override
        public void endStep(PolicyContext context, int position, CacheEditor editor) {
            long t = System.nanoTime();
            policy.endStep(context, position, new CacheEditor() {
                @Override
                public void retain(int layer, int kvHead, int[] indices, int budget) {
                    long s = System.nanoTime();
                    editor.retain(layer, kvHead, indices, budget);
                    retainNanos += System.nanoTime() - s;
                }

                @Override
                public void replace(int layer, int kvHead, KvHeadStore store) {
                    long s = System.nanoTime();
                    editor.replace(layer, kvHead, store);
                    retainNanos += System.nanoTime() - s;
                }

                @Override
                public KvHeadStore store(int layer, int kvHead) {
                    return editor.store(layer, kvHead);
                }
            });
            policyNanos += System.nanoTime() - t;
        }

        @Override
        public int ropePositionShift() {
            return policy.ropePositionShift();
        }

        @Override
        public long bookkeepingBytes() {
            return policy.bookkeepingBytes();
        }
    }
}
