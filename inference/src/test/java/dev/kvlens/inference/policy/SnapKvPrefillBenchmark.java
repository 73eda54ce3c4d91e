package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * What SnapKV's observation (window collector) and selection add to a prefill: median wall time of
 * FullKV prefills against SnapKV prefills (window 32, kernel 7, max pooling, budget B) on the same
 * random prompt, alternating so that drift hits both alike. Not a unit test; run by hand:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp inference/target-X/classes:inference/target-X/test-classes:kernels/target-X/classes:... \
 *     dev.kvlens.inference.policy.SnapKvPrefillBenchmark MODEL.gguf [tokens=2048] [budget=1024] [rounds=3]
 * </pre>
 */
public final class SnapKvPrefillBenchmark {

    private SnapKvPrefillBenchmark() {
    }

    public static void main(String[] args) {
        Path model = Path.of(args[0]);
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        int budget = args.length > 2 ? Integer.parseInt(args[2]) : 1024;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        try (LoadedModel loaded = ModelLoader.load(model)) {
            var c = loaded.config();
            System.out.printf("model %s: %d layers, %d heads, %d KV heads, head %d, dim %d; prompt %d, budget %d%n",
                    model.getFileName(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.dim(), tokens, budget);
            int[] prompt = new Random(7).ints(tokens, 3, c.vocabularySize()).toArray();
            prompt[0] = 1;
            time(loaded, prompt, "full", budget); // warm-up of both paths
            time(loaded, prompt, "snapkv", budget);
            long[] full = new long[rounds];
            long[] snap = new long[rounds];
            for (int r = 0; r < rounds; r++) {
                full[r] = time(loaded, prompt, "full", budget);
                snap[r] = time(loaded, prompt, "snapkv", budget);
                System.out.printf("round %d: full %.3f s, snapkv %.3f s%n", r, full[r] / 1e9, snap[r] / 1e9);
            }
            double f = median(full) / 1e9;
            double s = median(snap) / 1e9;
            System.out.printf("median: full %.3f s, snapkv %.3f s, overhead %+.2f%%%n", f, s, 100 * (s - f) / f);
        }
    }

    private static long time(LoadedModel loaded, int[] prompt, String spec, int budget) {
        KvPolicy policy = spec.equals("full") ? FullKvPolicy.create() : PolicyRegistry.create(spec, Budget.entries(budget));
        PolicyLane lane = new PolicyLane(loaded.model(), policy);
        long start = System.nanoTime();
        lane.prefill(prompt, null, false);
        return System.nanoTime() - start;
    }

    private static double median(long[] xs) {
        long[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }
}
