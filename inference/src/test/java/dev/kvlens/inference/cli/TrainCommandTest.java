package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.gguf.GgufFile;
import dev.kvlens.inference.gguf.GgufMetadata;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.ModelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kvlens train} end to end at a toy size: corpus, BPE vocabulary, training, GGUF the engine loads. */
class TrainCommandTest {

    private static final String RECIPE = """
            {"seed": 3,
             "corpus": {"context_tokens": 64},
             "tokenizer": {"vocab_size": 300, "sample_documents": 40},
             "model": {"layers": 1, "dim": 32, "heads": 4, "kv_heads": 2, "ffn": 64, "context": 64},
             "training": {"steps": 3, "batch": 2, "learning_rate": 0.003, "warmup_steps": 1, "log_every": 1},
             "output": {"name": "toy-teacher", "description": "A toy model from a test."}}
            """;

    @TempDir
    Path dir;

    private CliResult train(String name) throws Exception {
        Path recipe = Files.writeString(dir.resolve("recipe.json"), RECIPE);
        return Cli.run("train", "--recipe", recipe.toString(), "--out", dir.resolve(name).toString());
    }

    @Test
    void writesAModelTheEngineLoadsWithItsVocabularyAndCard() throws Exception {
        CliResult r = train("toy.gguf");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("wrote " + dir.resolve("toy.gguf") + ": toy-teacher, 3 steps"), r.out());
        assertTrue(r.err().contains("step 3/3  loss "), r.err());
        Path file = dir.resolve("toy.gguf");
        try (LoadedModel loaded = ModelLoader.load(file)) {
            ModelConfig c = loaded.config();
            assertEquals(1, c.layers());
            assertEquals(2, c.kvHeads());
            assertEquals(64, c.contextLength());
            assertTrue(c.vocabularySize() <= 300, "vocabulary " + c.vocabularySize());
            assertEquals(c.vocabularySize(), loaded.tokenizer().vocabularySize());
            // Digits are split one by one (qwen2 pre-tokenizer), so a passkey is five tokens.
            int[] ids = loaded.tokenizer().encode("The pass key is 48213.", false, false);
            assertEquals("The pass key is 48213.", loaded.tokenizer().decode(ids));
            float[] logits = loaded.model().newForwardPass().forward(ids, 0, loaded.model().newFullCache(), null, false);
            for (float x : logits) {
                assertTrue(Float.isFinite(x));
            }
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            GgufMetadata md = gguf.metadata();
            assertEquals("toy-teacher", md.getString("general.name"));
            assertTrue(md.getString("general.description").startsWith("A toy model from a test. Trained by kvlens train: 3 steps"));
            assertEquals(3L, md.getLong("kvlens.training.steps"));
            assertEquals(RECIPE, md.getString("kvlens.training.recipe"));
        }
    }

    @Test
    void theSameRecipeTrainsTheSameWeights() throws Exception {
        assertEquals(0, train("a.gguf").exitCode());
        assertEquals(0, train("b.gguf").exitCode());
        try (LoadedModel a = ModelLoader.load(dir.resolve("a.gguf"));
             LoadedModel b = ModelLoader.load(dir.resolve("b.gguf"))) {
            float[] rowA = new float[32];
            float[] rowB = new float[32];
            for (int token = 0; token < a.config().vocabularySize(); token += 37) {
                a.model().weights().output().dequantizeRow(token, rowA, 0);
                b.model().weights().output().dequantizeRow(token, rowB, 0);
                assertArrayEquals(rowA, rowB);
            }
        }
    }

    @Test
    void aBadRecipeIsOneLineAndExitTwo() throws Exception {
        Path recipe = Files.writeString(dir.resolve("bad.json"), RECIPE.replace("\"kv_heads\": 2", "\"kv_heads\": 3"));
        CliResult r = Cli.run("train", "--recipe", recipe.toString(), "--out", dir.resolve("x.gguf").toString());
        assertEquals(2, r.exitCode());
        assertEquals("kvlens: recipe " + recipe + ": model.kv_heads 3 must divide model.heads 4", r.err().strip());
        CliResult missing = Cli.run("train", "--recipe", dir.resolve("none.json").toString(), "--out", "x.gguf");
        assertEquals(2, missing.exitCode());
        assertEquals("kvlens: recipe " + dir.resolve("none.json") + ": no such file", missing.err().strip());
    }
}
