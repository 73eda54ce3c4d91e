package dev.kvlens.inference.cli;

import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.inference.model.ForwardPass;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.session.EventSubscription;
import dev.kvlens.inference.session.FrameRequest;
import dev.kvlens.inference.session.LaneConfig;
import dev.kvlens.inference.session.Session;
import dev.kvlens.inference.session.SessionSettings;
import dev.kvlens.kernels.Parallel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a teacher-forced comparison session costs per step against one plain decode step: the same
 * prompt and tokens through (a) {@link ForwardPass} with one token per call into a full cache, and (b) a
 * {@link Session} of the full-cache lane plus the given lanes, with a subscriber taking every event as
 * {@code kvlens compare} does. Each round times {@code steps} decode steps after the prompt; the median
 * round is reported. The target is a session step of at most about (lanes + 0.3) plain steps. Not a
 * unit test; run by hand:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp inference/target-X/classes:inference/target-X/test-classes:kernels/target-X/classes:LIBS \
 *     dev.kvlens.inference.cli.CompareBenchmark MODEL.gguf [prompt=256] [steps=64] [lanes="snapkv@64;h2o@64"] [rounds=5] [threads]
 * </pre>
 */
public final class CompareBenchmark {

    private CompareBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int promptLength = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        String laneText = args.length > 3 ? args[3] : "snapkv@64;h2o@64";
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        if (args.length > 5) {
            Parallel.setThreads(Integer.parseInt(args[5]));
        }
        try (LoadedModel loaded = ModelLoader.load(model)) {
            ModelConfig c = loaded.config();
            SplittableRandom random = new SplittableRandom(7);
            int[] all = new int[promptLength + steps];
            all[0] = 1;
            for (int i = 1; i < all.length; i++) {
                all[i] = 3 + random.nextInt(c.vocabularySize() - 3); // no BOS/EOS inside the text
            }
            int[] prompt = Arrays.copyOf(all, promptLength);
            int[] rest = Arrays.copyOfRange(all, promptLength, all.length);
            List<LaneConfig> lanes = LaneConfig.withFullReference(LaneSpecs.parse(laneText));
            System.out.printf("model %s: %d layers, dim %d, %d heads, %d KV heads, vocab %d; prompt %d, %d steps, "
                            + "threads %d; lanes full + %s%n", model.getFileName(), c.layers(), c.dim(), c.heads(),
                    c.kvHeads(), c.vocabularySize(), promptLength, steps, Parallel.threads(), laneText);

            double[] plain = new double[rounds];
            double[] measured = new double[rounds];
            double[] unmeasured = new double[rounds];
            plainStep(loaded, prompt, rest); // warm-up
            sessionStep(loaded, SessionSettings.teacherForced(prompt, rest), lanes);
            for (int r = 0; r < rounds; r++) {
                plain[r] = plainStep(loaded, prompt, rest);
                measured[r] = sessionStep(loaded, SessionSettings.teacherForced(prompt, rest), lanes);
                unmeasured[r] = sessionStep(loaded, SessionSettings.teacherForced(prompt, rest)
                        .withMeasureAttention(false), lanes);
            }
            double p = median(plain);
            double m = median(measured);
            double u = median(unmeasured);
            System.out.printf("plain decode step                 %8.3f ms%n", p * 1e3);
            System.out.printf("%d-lane session step (attention quality measured, as compare runs) %8.3f ms = %.2fx%n",
                    lanes.size(), m * 1e3, m / p);
            System.out.printf("%d-lane session step (logit quality only)      %8.3f ms = %.2fx%n",
                    lanes.size(), u * 1e3, u / p);
            System.out.printf("target: at most about %.1fx%n", lanes.size() + 0.3);
        }
    }

    /** Seconds per single-token forward after the prompt, into a full cache. */
    static double plainStep(LoadedModel loaded, int[] prompt, int[] rest) {
        ForwardPass pass = loaded.model().newForwardPass();
        KvCache cache = loaded.model().newFullCache();
        pass.forward(prompt, 0, cache, null, false);
        int[] one = new int[1];
        long t0 = System.nanoTime();
        for (int i = 0; i < rest.length; i++) {
            one[0] = rest[i];
            pass.forward(one, prompt.length + i, cache, null, false);
        }
        return (System.nanoTime() - t0) / 1e9 / rest.length;
    }

    /** Seconds per session step after the prompt, every event delivered to a subscriber. */
    static double sessionStep(LoadedModel loaded, SessionSettings settings, List<LaneConfig> lanes) throws Exception {
        AtomicLong events = new AtomicLong();
        try (Session s = new Session(loaded, settings, lanes)) {
            EventSubscription sub = s.events().subscribe(FrameRequest.NONE, e -> events.incrementAndGet());
            s.step().join(); // the prompt
            int steps = settings.continuation().length;
            long t0 = System.nanoTime();
            s.step(steps).join();
            double seconds = (System.nanoTime() - t0) / 1e9 / steps;
            s.close();
            sub.close();
            return seconds;
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
