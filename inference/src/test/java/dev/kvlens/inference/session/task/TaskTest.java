package dev.kvlens.inference.session.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.generate.GenerationResult;
import dev.kvlens.inference.generate.Generator;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.quality.Distributions;
import dev.kvlens.inference.sampling.GreedySampler;
import dev.kvlens.inference.session.LaneConfig;
import dev.kvlens.inference.policy.PolicyRegistry;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TaskTest {

    static LoadedModel stories;

    @BeforeAll
    static void load() {
        stories = ModelLoader.load(Path.of(System.getProperty("kvlens.models", "../../shared/models"))
                .resolve("stories260K.gguf"));
    }

    @AfterAll
    static void close() {
        stories.close();
    }

    @Test
    void passkeyFollowsThePoliciesFormat() {
        TaskPrompt t = PasskeyTask.generate(5, 4, 0.5);
        assertTrue(t.answer().matches("[1-9][0-9]{4}"), t.answer());
        String filler = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";
        String key = "The pass key is " + t.answer() + ". Remember it. " + t.answer() + " is the pass key.";
        // Depth 0.5 of 4 lines: the key line after the second filler line (worked by hand).
        String expected = "There is an important info hidden inside a lot of irrelevant text. Find it and memorize it."
                + " I will quiz you about the important information there. " + filler + " " + filler + " " + key + " "
                + filler + " " + filler + " What is the pass key? The pass key is ";
        assertEquals(expected, t.prompt());
        assertEquals(t, PasskeyTask.generate(5, 4, 0.5));
        assertNotEquals(t.answer(), PasskeyTask.generate(6, 4, 0.5).answer());
        assertTrue(PasskeyTask.generate(5, 4, 0.0).prompt().startsWith(PasskeyTask.HEADER + " " + key.replace(
                t.answer(), PasskeyTask.generate(5, 4, 0.0).answer())));
    }

    @Test
    void needleAndNameSitWhereAsked() {
        TaskPrompt n = NeedleTask.generate(3, 10, 1.0);
        assertTrue(n.prompt().endsWith("The magic word is " + n.answer() + ". What is the magic word? The magic word is"),
                n.prompt());
        TaskPrompt start = NeedleTask.generate(3, 10, 0.0);
        assertTrue(start.prompt().startsWith("The magic word is " + start.answer() + "."), start.prompt());
        TaskPrompt name = NameRecallTask.generate(9, 6);
        assertTrue(name.prompt().startsWith("Once upon a time, there was a little girl named " + name.answer() + "."));
        assertTrue(name.prompt().endsWith("Her name was"));
        assertEquals(name, NameRecallTask.generate(9, 6));
    }

    @Test
    void scoresMatchAnIndependentGenerationAndForwardPass() {
        TaskPrompt task = NameRecallTask.generate(1, 12);
        String squeeze = PolicyRegistry.descriptors().stream().map(d -> d.id())
                .filter(id -> id.equals("streamingllm") || id.equals("h2o")).findFirst().orElse("full");
        List<LaneConfig> lanes = LaneConfig.withFullReference(List.of(LaneConfig.parse(squeeze, "16")));
        List<LaneScore> scores = TaskScorer.score(stories, task, lanes);
        assertEquals(2, scores.size());

        TaskScorer.Split used = TaskScorer.split(stories.tokenizer(), task.prompt(), task.completion());
        // The prompt's tokens are the prompt's own, the answer's spell " <name>".
        assertArrayEquals(stories.tokenizer().encode(task.prompt(), true, false), used.prompt());
        int[] both = IntStream.concat(Arrays.stream(used.prompt()), Arrays.stream(used.answer())).toArray();
        assertTrue(stories.tokenizer().decode(both).endsWith("Her name was " + task.answer()));
        // Lane 0's output is what the plain generator produces greedily from the same prompt.
        GenerationResult g = new Generator(stories).generate(used.prompt(), task.maxNewTokens(), new GreedySampler(),
                stories.model().newFullCache(), null);
        String expected = stories.tokenizer().decode(g.generatedIds());
        assertEquals(expected, scores.get(0).output());
        assertEquals(expected.contains(task.answer()) ? 1.0 : 0.0, scores.get(0).score());

        // Lane 0's answer NLL from one plain forward pass with logits at every position.
        int[] all = new int[used.prompt().length + used.answer().length];
        System.arraycopy(used.prompt(), 0, all, 0, used.prompt().length);
        System.arraycopy(used.answer(), 0, all, used.prompt().length, used.answer().length);
        int vocab = stories.config().vocabularySize();
        float[] logits = stories.model().newForwardPass().forward(all, 0, stories.model().newFullCache(), null, true);
        double sum = 0;
        for (int i = 0; i < used.answer().length; i++) {
            int p = used.prompt().length - 1 + i;
            sum += Distributions.nll(Arrays.copyOfRange(logits, p * vocab, (p + 1) * vocab), all[p + 1]);
        }
        assertEquals(sum / used.answer().length, scores.get(0).answerNll(), 1e-4);
        assertTrue(Double.isFinite(scores.get(1).answerNll()));
    }

    @Test
    void teacherForcedNllOfTheFullLaneIsThePlainModelsNll() {
        String text = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.";
        int[] all = stories.tokenizer().encode(text, true, false);
        double[] nll = TeacherForcedNll.score(stories, text, 6, LaneConfig.withFullReference(List.of()));
        int vocab = stories.config().vocabularySize();
        float[] logits = stories.model().newForwardPass().forward(all, 0, stories.model().newFullCache(), null, true);
        double sum = 0;
        for (int p = 5; p < all.length - 1; p++) {
            sum += Distributions.nll(Arrays.copyOfRange(logits, p * vocab, (p + 1) * vocab), all[p + 1]);
        }
        assertEquals(sum / (all.length - 6), nll[0], 1e-4);
    }
}
