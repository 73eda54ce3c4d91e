package dev.kvlens.inference.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingRecipeTest {

    private static final String GOOD = """
            {"seed": 8,
             "corpus": {"context_tokens": 128},
             "tokenizer": {"vocab_size": 400},
             "model": {"layers": 2, "dim": 64, "heads": 4, "kv_heads": 2, "ffn": 128, "context": 128},
             "training": {"steps": 100, "batch": 4, "learning_rate": 0.002, "warmup_steps": 10}}
            """;

    @Test
    void readsAWholeRecipeWithDefaults() {
        TrainingRecipe r = TrainingRecipe.parse(GOOD);
        assertEquals(8, r.seed());
        assertEquals(400, r.vocabSize());
        assertEquals(2000, r.tokenizerDocuments());
        assertEquals(new ModelShape(2, 64, 4, 2, 128, 128, 10000f, 1e-5f), r.model());
        assertEquals(new TrainingSettings(100, 4, 0.002, 0.0002, 10, 0.9, 0.95, 0.0, 1.0, 0.02, 10), r.training());
        assertEquals(128, r.corpus().contextTokens());
        assertEquals("f32", r.weightType());
    }

    @Test
    void theBundledRecipeReads() {
        Path recipe = Path.of(System.getProperty("user.dir")).resolveSibling("assets/recipes/teaching-model.json");
        TrainingRecipe r = TrainingRecipe.read(recipe);
        assertTrue(r.vocabSize() <= 1024);
        assertEquals(512, r.model().context());
    }

    @Test
    void phasesRunInOrderAndTheirBatchesKeepTheTokensOfAStep() {
        TrainingRecipe one = TrainingRecipe.parse(GOOD);
        assertEquals(List.of(new TrainingPhase(128, 100, 4)), one.phases());
        TrainingRecipe r = TrainingRecipe.parse(GOOD.replace("\"warmup_steps\": 10", "\"warmup_steps\": 10,"
                + " \"answer_weight\": 4, \"phases\": [{\"context\": 64, \"steps\": 70},"
                + " {\"context\": 128, \"steps\": 30, \"batch\": 2, \"mix\": {\"numbers\": 2, \"copy\": 1}}]"));
        // 4 windows of 128 tokens = 8 windows of 64
        assertEquals(List.of(new TrainingPhase(64, 70, 8),
                new TrainingPhase(128, 30, 2, Map.of(DocumentKind.NUMBERS, 2.0, DocumentKind.COPY, 1.0))), r.phases());
        assertEquals(Map.of(DocumentKind.NUMBERS, 2.0, DocumentKind.COPY, 1.0), r.corpusFor(r.phases().get(1)).mix());
        assertEquals(4, r.training().answerWeight());
        assertEquals(64, r.corpusFor(r.phases().getFirst()).contextTokens());
        assertEquals(r.corpus().mix(), r.corpusFor(r.phases().getFirst()).mix());
    }

    @Test
    void badPhasesAreNamed() {
        String phases = "\"warmup_steps\": 10, \"phases\": ";
        assertEquals("training.phases add up to 90 steps, training.steps is 100", problem(GOOD.replace(
                "\"warmup_steps\": 10", phases + "[{\"context\": 64, \"steps\": 90}]")));
        assertEquals("training.phases[0].context 256 exceeds model.context 128", problem(GOOD.replace(
                "\"warmup_steps\": 10", phases + "[{\"context\": 256, \"steps\": 100}]")));
        assertEquals("missing training.phases[0].steps", problem(GOOD.replace(
                "\"warmup_steps\": 10", phases + "[{\"context\": 64}]")));
        assertEquals("training.phases must be a non-empty array of {context, steps, batch}", problem(GOOD.replace(
                "\"warmup_steps\": 10", phases + "[]")));
        assertEquals("training.phases[0].mix: unknown document kind 'digits'; valid kinds: " + DocumentKind.keys(),
                problem(GOOD.replace("\"warmup_steps\": 10", phases
                        + "[{\"context\": 128, \"steps\": 100, \"mix\": {\"digits\": 1}}]")));
        assertEquals("training.phases[0].mix needs at least one weight above 0; kinds: " + DocumentKind.keys(),
                problem(GOOD.replace("\"warmup_steps\": 10", phases
                        + "[{\"context\": 128, \"steps\": 100, \"mix\": {\"copy\": 0}}]")));
        assertEquals("training.answer_weight must be in (0, 1000], got 0.0", problem(GOOD.replace(
                "\"warmup_steps\": 10", "\"warmup_steps\": 10, \"answer_weight\": 0")));
    }

    private static String problem(String recipe) {
        return assertThrows(BadRecipeException.class, () -> TrainingRecipe.parse(recipe)).getMessage();
    }

    @Test
    void badRecipesNameTheKeyAndTheReason() {
        assertTrue(problem("{\"seed\": 8,").startsWith("not valid JSON (line 1"), problem("{\"seed\": 8,"));
        assertEquals("missing seed", problem(GOOD.replace("\"seed\": 8,", "")));
        assertEquals("seed must be a whole number, got \"8\"", problem(GOOD.replace("\"seed\": 8", "\"seed\": \"8\"")));
        assertEquals("missing section \"model\"", problem(GOOD.replaceAll("\"model\": \\{[^}]*},", "")));
        assertEquals("missing training.steps", problem(GOOD.replace("\"steps\": 100, ", "")));
        assertTrue(problem(GOOD.replace("\"batch\"", "\"batch_size\"")).startsWith("unknown key training.batch_size (known: "));
        assertEquals("model.kv_heads 3 must divide model.heads 4", problem(GOOD.replace("\"kv_heads\": 2", "\"kv_heads\": 3")));
        assertEquals("model.dim 64 must be model.heads 3 times an even head size",
                problem(GOOD.replace("\"heads\": 4, \"kv_heads\": 2", "\"heads\": 3, \"kv_heads\": 1")));
        assertEquals("training.learning_rate must be in (0, 1], got -0.002",
                problem(GOOD.replace("0.002", "-0.002")));
        assertEquals("training.warmup_steps must be between 0 and training.steps (100), got 200",
                problem(GOOD.replace("\"warmup_steps\": 10", "\"warmup_steps\": 200")));
        assertEquals("tokenizer.vocab_size must be between 258 (256 bytes, BOS, EOS) and 65536, got 100",
                problem(GOOD.replace("400", "100")));
        assertEquals("corpus.context_tokens 128 must equal model.context 256 (documents are sized to the model's context)",
                problem(GOOD.replace("\"context\": 128", "\"context\": 256")));
        // The corpus section's own checks come through as recipe errors too.
        assertTrue(problem(GOOD.replace("\"context_tokens\": 128", "\"contexttokens\": 128"))
                .startsWith("unknown field corpus.contexttokens"));
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.json");
        assertEquals("recipe " + missing + ": no such file",
                assertThrows(BadRecipeException.class, () -> TrainingRecipe.read(missing)).getMessage());
        Path empty = Files.writeString(dir.resolve("empty.json"), "[]");
        assertEquals("recipe " + empty + ": must be a JSON object with seed, corpus, tokenizer, model and training",
                assertThrows(BadRecipeException.class, () -> TrainingRecipe.read(empty)).getMessage());
    }
}
