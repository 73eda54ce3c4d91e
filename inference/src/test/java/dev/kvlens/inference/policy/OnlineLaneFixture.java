package dev.kvlens.inference.policy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import java.nio.file.Path;

/**
 * End-to-end runs of the online (per-step) policies on stories260K: a TinyStories-like prompt, a
 * lane per policy, and helpers to feed hand-made rows to a policy the way the forward pass does.
 */
final class OnlineLaneFixture {

    static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));

    /** About 170 tokens of TinyStories-like text. */
    static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play outside in the "
            + "park with her red ball. One day, she saw a big dog near the tree. The dog was sad because it "
            + "lost its bone. Lily wanted to help the dog. She looked under the bench and behind the slide. "
            + "Then she found the bone in the sand! She gave it to the dog, and the dog was very happy. "
            + "Lily and the dog played together all day. When the sun went down, her mom said";

    private OnlineLaneFixture() {
    }

    static LoadedModel stories() {
        return ModelLoader.load(MODELS.resolve("stories260K.gguf"));
    }

    static int[] prompt(LoadedModel loaded) {
        int[] ids = loaded.tokenizer().encode(STORY, true, false);
        assertTrue(ids.length >= 100 && ids.length <= 250, "prompt of " + ids.length + " tokens");
        return ids;
    }

    /** The greedy next token. */
    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    static boolean finite(float[] logits) {
        for (float v : logits) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    static int[] positions(KvHeadStore store) {
        int[] p = new int[store.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = store.position(i);
        }
        return p;
    }

    /** Hands {@code rows[h]} (query head h's weights) of one position to {@code listener}, as the engine does. */
    static void feed(AttentionListener listener, PolicyContext context, int layer, int position, float[]... rows) {
        if (listener == null || !listener.wants(layer, position)) {
            return;
        }
        int group = context.config().groupSize();
        for (int h = 0; h < rows.length; h++) {
            KvHeadStore store = context.cache().head(layer, h / group);
            listener.onAttention(new HeadAttention(layer, h, h / group, position,
                    new float[context.config().headDim()], 0, rows[h], rows[h].length, store));
        }
    }

    /** Appends {@code position} to every store, as the forward pass does before attention. */
    static void append(PolicyContext context, int position) {
        HandMadeCache.fill(context, position, position + 1);
    }
}
