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

            Cost[] plain = new Cost[rounds];
            Cost[] measured = new Cost[rounds];
            Cost[] unmeasured = new Cost[rounds];
            plainStep(loaded, prompt, rest); // warm-up
            sessionStep(loaded, SessionSettings.teacherForced(prompt, rest), lanes);
            for (int r = 0; r < rounds; r++) {
                plain[r] = plainStep(loaded, prompt, rest);
                measured[r] = sessionStep(loaded, SessionSettings.teacherForced(prompt, rest), lanes);
                unmeasured[r] = sessionStep(loaded, SessionSettings.teacherForced(prompt, rest)
                        .withMeasureAttention(false), lanes);
            }
            for (boolean cpu : new boolean[] {false, true}) {
                String what = cpu ? "process CPU" : "wall";
                double p = median(plain, cpu);
                double m = median(measured, cpu);
                double u = median(unmeasured, cpu);
                System.out.printf("%-11s plain decode step %8.3f ms; %d-lane session step: %8.3f ms = %.2fx with "
                                + "attention quality (as compare runs), %8.3f ms = %.2fx logit quality only%n", what,
                        p * 1e3, lanes.size(), m * 1e3, m / p, u * 1e3, u / p);
            }
            System.out.printf("target: at most about %.1fx%n", lanes.size() + 0.3);
        }
    }

    /**
     * CPU seconds this process spent (every thread: compute, event delivery, GC). On a machine shared with
     * other work, wall time swings with their load; this process's CPU time does not, which is why the
     * ratios are given on it too (run with threads = 1 to keep the compute on one core).
     */
    static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    /** Wall and CPU seconds per step. */
    record Cost(double wall, double cpu) {
    }

    /** Per single-token forward after the prompt, into a full cache. */
    static Cost plainStep(LoadedModel loaded, int[] prompt, int[] rest) {
        ForwardPass pass = loaded.model().newForwardPass();
        KvCache cache = loaded.model().newFullCache();
        pass.forward(prompt, 0, cache, null, false);
        int[] one = new int[1];
        double c0 = processCpuSeconds();
        long t0 = System.nanoTime();
        for (int i = 0; i < rest.length; i++) {
            one[0] = rest[i];
            pass.forward(one, prompt.length + i, cache, null, false);
        }
        return new Cost((System.nanoTime() - t0) / 1e9 / rest.length, (processCpuSeconds() - c0) / rest.length);
    }

    /** Per session step after the prompt, every event delivered to a subscriber. */
    static Cost sessionStep(LoadedModel loaded, SessionSettings settings, List<LaneConfig> lanes) throws Exception {
        AtomicLong tokenSteps = new AtomicLong();
        try (Session s = new Session(loaded, settings, lanes)) {
            EventSubscription sub = s.events().subscribe(FrameRequest.NONE, e -> {
                if (e instanceof dev.kvlens.inference.session.event.TokenStep) {
                    tokenSteps.incrementAndGet();
                }
            });
            s.step().join(); // the prompt
            int steps = settings.continuation().length;
            double c0 = processCpuSeconds();
            long t0 = System.nanoTime();
            s.step(steps).join();
            double seconds = (System.nanoTime() - t0) / 1e9 / steps;
            s.close();
            sub.close();
            double cpu = (processCpuSeconds() - c0) / steps; // the subscriber's share included
            // Every lane read the prompt and every step: proof the timed steps really ran.
            long expected = (long) lanes.size() * (steps + 1);
            if (tokenSteps.get() != expected) {
                throw new IllegalStateException("expected " + expected + " token steps, saw " + tokenSteps.get());
            }
            return new Cost(seconds, cpu);
        }
    }

    static double median(Cost[] costs, boolean cpu) {
        double[] s = new double[costs.length];
        for (int i = 0; i < costs.length; i++) {
            s[i] = cpu ? costs[i].cpu() : costs[i].wall();
        }
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
