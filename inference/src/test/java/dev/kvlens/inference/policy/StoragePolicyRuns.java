package dev.kvlens.inference.policy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import java.nio.file.Path;

/**
 * End-to-end runs of the storage policies (ThinK, KIVI, compositions) on stories260K: a
 * TinyStories-like prompt, then tokens teacher-forced from FullKV's greedy choices, with top-1
 * agreement against FullKV at every step.
 */
final class StoragePolicyRuns {

    static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));
    static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play outside in "
            + "the park with her friends. One day, she saw a big red ball under a tree. She ran to the ball and kicked "
            + "it very high. The ball flew over the fence and into the garden of an old man. Lily was scared, but she "
            + "went to the old man and said sorry. The old man smiled and gave the ball back to her. He said, \"You "
            + "can play here any time.\" Lily was very happy and thanked him.";

    private StoragePolicyRuns() {
    }

    static LoadedModel load() {
        return ModelLoader.load(MODELS.resolve("stories260K.gguf"));
    }

    static int[] prompt(LoadedModel loaded) {
        return loaded.tokenizer().encode(STORY, true, false);
    }

    /** Prefill plus {@code steps} teacher-forced steps; argmax agreement with FullKV over the steps + 1 predictions. */
    record Agreement(int agreed, int predictions, PolicyLane lane) {
        double fraction() {
            return agreed / (double) predictions;
        }
    }

    static Agreement run(LoadedModel loaded, int[] prompt, String spec, Budget budget, int steps) {
        PolicyLane full = new PolicyLane(loaded.model(), FullKvPolicy.create());
        PolicyLane lane = new PolicyLane(loaded.model(), PolicyRegistry.create(spec, budget));
        float[] reference = full.prefill(prompt, null, false);
        float[] logits = lane.prefill(prompt, null, false);
        int agreed = 0;
        for (int s = 0; ; s++) {
            assertFinite(logits, spec);
            int expected = argmax(reference);
            if (argmax(logits) == expected) {
                agreed++;
            }
            if (s == steps) {
                break;
            }
            reference = full.step(expected, null);
            logits = lane.step(expected, null);
        }
        return new Agreement(agreed, steps + 1, lane);
    }

    static void assertFinite(float[] logits, String spec) {
        for (float x : logits) {
            assertTrue(Float.isFinite(x), spec + ": non-finite logit");
        }
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }
}
