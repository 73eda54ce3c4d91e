package dev.kvlens.inference.session;

import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.inference.model.ForwardPass;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.policy.PolicyRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Cost of one teacher-forced session step with N lanes against one plain decode step, on the same
 * tokens (not a test: timings depend on the machine). Arguments: model path [prompt tokens]
 * [steps] [lane specs like "streamingllm:64,h2o:64"]. Target: at most about (lanes + 0.3) x.
 */
public final class SessionBenchmark {

    public static void main(String[] args) {
        Path model = Path.of(args.length > 0 ? args[0] : "../shared/models/stories260K.gguf");
        int promptLength = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        String compared = args.length > 3 ? args[3] : defaultLanes();
        try (LoadedModel loaded = ModelLoader.load(model)) {
            SplittableRandom random = new SplittableRandom(1);
            int vocab = loaded.config().vocabularySize();
            int[] all = new int[promptLength + steps];
            all[0] = 1;
            for (int i = 1; i < all.length; i++) {
                all[i] = 3 + random.nextInt(vocab - 3);
            }
            int[] prompt = Arrays.copyOf(all, promptLength);
            int[] rest = Arrays.copyOfRange(all, promptLength, all.length);
            List<LaneConfig> lanes = LaneConfig.withFullReference(LaneConfig.parseList(compared));
            System.out.printf(Locale.ROOT, "%s, prompt %d, %d steps, lanes %s%n", loaded.config().name(),
                    promptLength, steps, lanes);
            for (int round = 0; round < 3; round++) { // the first round warms the JIT up
                double plain = plainStep(loaded, prompt, rest);
                double measured = sessionStep(loaded, prompt, rest, lanes, true);
                double light = sessionStep(loaded, prompt, rest, lanes, false);
                System.out.printf(Locale.ROOT, "round %d: plain decode %.3f ms/step; %d-lane session %.3f ms/step ="
                                + " %.2fx (attention quality on), %.3f ms/step = %.2fx (off); target <= %.1fx%n",
                        round, plain, lanes.size(), measured, measured / plain, light, light / plain,
                        lanes.size() + 0.3);
            }
        }
    }

    private static String defaultLanes() {
        List<String> ids = new ArrayList<>();
        for (String id : List.of("streamingllm", "h2o", "snapkv")) {
            if (PolicyRegistry.descriptors().stream().anyMatch(d -> d.id().equals(id))) {
                ids.add(id + ":64");
            }
        }
        return String.join(",", ids.subList(0, Math.min(2, ids.size())));
    }

    private static double plainStep(LoadedModel loaded, int[] prompt, int[] rest) {
        ForwardPass pass = loaded.model().newForwardPass();
        KvCache cache = loaded.model().newFullCache();
        pass.forward(prompt, 0, cache, null, false);
        long t0 = System.nanoTime();
        for (int i = 0; i < rest.length; i++) {
            pass.forward(new int[] {rest[i]}, prompt.length + i, cache, null, false);
        }
        return (System.nanoTime() - t0) / 1e6 / rest.length;
    }

    private static double sessionStep(LoadedModel loaded, int[] prompt, int[] rest, List<LaneConfig> lanes,
                                      boolean attentionQuality) {
        SessionSettings settings = SessionSettings.teacherForced(prompt, rest).withMeasureAttention(attentionQuality);
        try (Session s = new Session(loaded, settings, lanes)) {
            EventQueue q = s.events().subscribe(FrameRequest.NONE); // a CLI writer: every lossless event
            s.step().join(); // the prompt
            long t0 = System.nanoTime();
            s.step(rest.length).join();
            double ms = (System.nanoTime() - t0) / 1e6 / rest.length;
            q.drain();
            return ms;
        }
    }
}
