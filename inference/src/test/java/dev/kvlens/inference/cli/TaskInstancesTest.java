package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.session.task.TaskPrompt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code --filler fit} fills the context to the last sentence that fits; {@code --depth spread} spreads. */
class TaskInstancesTest {

    private static LoadedModel model; // tinystories-656k: context 512

    @BeforeAll
    static void load() {
        model = ModelLoader.load(Cli.TINYSTORIES_HF);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static int tokens(TaskPrompt t) {
        return model.tokenizer().encode(t.prompt(), true, false).length;
    }

    @Test
    void fitFillsTheContextToTheLastSentenceThatFits() {
        int context = model.config().contextLength();
        int measured = 16;
        TaskInstances instances = new TaskInstances("fit", "0.5", 1, measured, model);
        for (BuiltInTask task : BuiltInTask.values()) {
            TaskPrompt t = instances.generate(task, 7, 0);
            int after = Math.max(t.maxNewTokens(), measured);
            assertTrue(tokens(t) + after <= context, task + ": " + tokens(t));
            // Count the filler by regenerating with one sentence more: that one must not fit.
            int n = fillerOf(task, t);
            TaskPrompt longer = task.generate(7, n + 1, 0.5);
            assertTrue(tokens(longer) + Math.max(longer.maxNewTokens(), measured) > context,
                    task + ": " + n + " sentences fit, " + (n + 1) + " should not");
            assertTrue(tokens(t) > context - 40, task + " leaves much of the context empty: " + tokens(t));
        }
    }

    /** The filler length that reproduces {@code t} exactly. */
    private static int fillerOf(BuiltInTask task, TaskPrompt t) {
        for (int n = 0; n < 10_000; n++) {
            if (task.generate(7, n, 0.5).prompt().equals(t.prompt())) {
                return n;
            }
        }
        throw new AssertionError("no filler length gives " + t.prompt());
    }

    @Test
    void spreadPlacesTheSamplesFromStartToEnd() {
        TaskInstances instances = new TaskInstances("3", "spread", 5, 8, model);
        double[] depths = new double[5];
        for (int i = 0; i < 5; i++) {
            depths[i] = instances.generate(BuiltInTask.NEEDLE, i, i).depth();
        }
        assertEquals(0.0, depths[0]);
        assertEquals(0.25, depths[1]);
        assertEquals(0.5, depths[2]);
        assertEquals(1.0, depths[4]);
    }

    @Test
    void badValuesAreNamed() {
        BadArgumentException filler = assertThrows(BadArgumentException.class,
                () -> new TaskInstances("lots", "0.5", 1, 8, model));
        assertTrue(filler.getMessage().contains("'fit'"), filler.getMessage());
        BadArgumentException depth = assertThrows(BadArgumentException.class,
                () -> new TaskInstances("3", "deep", 1, 8, model));
        assertTrue(depth.getMessage().contains("'spread'"), depth.getMessage());
    }
}
