package dev.kvlens.inference.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.gguf.GgufFile;
import dev.kvlens.inference.gguf.GgufMetadata;
import dev.kvlens.inference.gguf.GgufWriter;
import dev.kvlens.inference.model.ForwardPass;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.model.RopeStyle;
import dev.kvlens.kernels.GgmlType;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trained model is the model the engine runs: a small random model (2 layers, dim 32, 4 query
 * heads sharing 2 KV heads, FFN 64) exported as GGUF and loaded by the engine gives, at every
 * position, the logits SameDiff computes. Weights are drawn large (std 0.3, norm weights around 1 but
 * not 1) so attention is sharp and the logits are of order 1-10: a wrong RoPE pairing, head
 * grouping, norm or matrix orientation moves them by far more than the tolerance.
 */
class LlamaTrainerParityTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));

    static final ModelShape TINY = new ModelShape(2, 32, 4, 2, 64, 16, 10000f, 1e-5f);

    static TrainingSettings settings(int steps, int batch, double lr, double initStd) {
        return new TrainingSettings(steps, batch, lr, lr / 10, Math.min(steps, 5), 0.9, 0.95, 0.0, 1.0, initStd, 10);
    }

    /** stories260K's tokenizer (512 tokens): real tokenizer metadata for a model of that vocabulary. */
    static Consumer<GgufWriter> stories260kTokenizer() {
        return w -> {
            try (GgufFile f = GgufFile.open(MODELS.resolve("stories260K.gguf"))) {
                GgufMetadata md = f.metadata();
                for (String key : md.keys()) {
                    if (key.startsWith("tokenizer.")) {
                        w.put(key, md.type(key), md.get(key));
                    }
                }
            }
        };
    }

    @Test
    void engineLogitsEqualSameDiffLogitsAtEveryPosition(@TempDir Path dir) {
        LlamaTrainer trainer = new LlamaTrainer(TINY, 512, settings(1, 1, 1e-3, 0.3), 7);
        Random random = new Random(11);
        for (LlamaParameter p : trainer.parameters()) {
            if (p.kind() == LlamaParameter.Kind.NORM) {
                float[] norm = new float[p.cols()];
                for (int i = 0; i < norm.length; i++) {
                    norm[i] = 1f + 0.5f * (float) random.nextGaussian();
                }
                trainer.setEngineRows(p.name(), norm);
            }
        }
        int[] tokens = {1, 400, 37, 37, 255, 9, 400, 37, 100, 3, 511, 0, 255, 9, 400, 37};
        float[] expected = trainer.logits(tokens);

        Path file = dir.resolve("tiny.gguf");
        TeachingModelExporter.export(trainer, stories260kTokenizer(),
                new ModelCard("parity", "parity test model", Map.of("steps", 0)), GgmlType.F32, file);
        try (LoadedModel loaded = ModelLoader.load(file)) {
            ModelConfig c = loaded.config();
            assertEquals(RopeStyle.ADJACENT_PAIRS, c.ropeStyle());
            assertEquals(2, c.kvHeads());
            ForwardPass pass = loaded.model().newForwardPass();
            float[] actual = pass.forward(tokens, 0, loaded.model().newFullCache(), null, true);
            assertEquals(expected.length, actual.length);
            double maxDiff = 0;
            double maxAbs = 0;
            for (int i = 0; i < actual.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
                maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            }
            System.out.printf("parity: max |logit| %.3f, max difference %.2e%n", maxAbs, maxDiff);
            assertTrue(maxAbs > 2, "logits too small to test anything: " + maxAbs);
            for (int i = 0; i < actual.length; i++) {
                double tolerance = 1e-4 * Math.max(1, Math.abs(expected[i]));
                int position = i / 512;
                if (Math.abs(actual[i] - expected[i]) > tolerance) {
                    throw new AssertionError("position " + position + " token " + (i % 512) + ": engine "
                            + actual[i] + ", SameDiff " + expected[i]);
                }
            }
        }
    }
}
