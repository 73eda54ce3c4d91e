package dev.kvlens.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.gguf.GgufFile;
import dev.kvlens.inference.gguf.GgufMetadata;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.session.task.PasskeyTask;
import dev.kvlens.inference.session.task.RetrievalHeads;
import dev.kvlens.inference.session.task.RetrievalHeads.HeadScore;
import dev.kvlens.inference.session.task.TaskPrompt;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled teaching model (assets/models) does what its card says, on probes it was not trained on
 * (task seeds far from the corpus's): it fits the size limit, retrieves passkeys at its full context
 * with the full cache, keeps them under SnapKV at a small budget while StreamingLLM loses them, and the
 * retrieval head the card names reads the passkey while the answer is produced.
 */
class TeachingModelTest {

    static final Path ROOT = Path.of(System.getProperty("kvlens.root", ".."));
    static final Path MODEL = ROOT.resolve("assets/models/kvlens-teaching.gguf");
    static final Path CARD = ROOT.resolve("assets/models/kvlens-teaching.md");

    @TempDir
    Path temp;

    @Test
    void isSmallAndSaysHowItWasTrained() throws Exception {
        assertTrue(Files.size(MODEL) <= 10L << 20, "at most 10 MB: " + Files.size(MODEL));
        try (LoadedModel m = ModelLoader.load(MODEL)) {
            assertEquals(512, m.config().contextLength());
            assertTrue(m.config().vocabularySize() <= 1024, "vocabulary " + m.config().vocabularySize());
        }
        try (GgufFile gguf = GgufFile.open(MODEL)) {
            GgufMetadata md = gguf.metadata();
            assertEquals(Files.readString(ROOT.resolve("assets/recipes/teaching-model.json")),
                    md.getString("kvlens.training.recipe"), "trained from the recipe in assets/recipes");
            assertEquals(8L, md.getLong("kvlens.training.seed"));
        }
    }

    @Test
    void keepsPasskeysUnderSnapKvButLosesThemUnderStreamingLlm() {
        int samples = 12;
        KvLens.Run r = KvLens.run("sweep", "--model", MODEL.toString(), "--task", "passkey", "--samples",
                String.valueOf(samples), "--seed", "50000", "--filler", "fit", "--depth", "spread",
                "--policies", "snapkv:window=8,kernel=15;streamingllm", "--budgets", "128", "--max-tokens", "8",
                "--quiet", "--out", temp.toString());
        assertEquals(0, r.exitCode(), r.err());
        double full = 0;
        double snapkv = 0;
        double streaming = 0;
        for (String line : r.out().lines().skip(1).toList()) {
            // policy,budget,task,sample,score,...; the SnapKV spec is quoted (it holds a comma)
            String policy = line.startsWith("\"") ? line.substring(1, line.indexOf('"', 1)) : line.split(",")[0];
            String[] rest = line.substring(line.startsWith("\"") ? line.indexOf('"', 1) + 2 : 0).split(",");
            double score = Double.parseDouble(rest[line.startsWith("\"") ? 3 : 4]) / samples;
            switch (policy) {
                case "full" -> full += score;
                case "snapkv:window=8,kernel=15" -> snapkv += score;
                case "streamingllm" -> streaming += score;
                default -> throw new AssertionError(line);
            }
        }
        assertTrue(full >= 0.9, "full cache: " + full + "\n" + r.out());
        // 128 entries per KV head: a quarter of the 512-token probes.
        assertTrue(snapkv >= 0.75, "SnapKV keeps most: " + snapkv + "\n" + r.out());
        assertTrue(streaming <= 0.5, "StreamingLLM loses most passkeys: " + streaming + "\n" + r.out());
        assertTrue(snapkv - streaming >= 0.4, "SnapKV " + snapkv + " vs StreamingLLM " + streaming);
    }

    @Test
    void theCardsRetrievalHeadReadsThePasskey() throws Exception {
        Matcher m = Pattern.compile("Retrieval head: layer (\\d+), head (\\d+)")
                .matcher(Files.readString(CARD, StandardCharsets.UTF_8));
        assertTrue(m.find(), "the card names a retrieval head");
        int layer = Integer.parseInt(m.group(1));
        int head = Integer.parseInt(m.group(2));
        try (LoadedModel model = ModelLoader.load(MODEL)) {
            List<TaskPrompt> probes = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                probes.add(PasskeyTask.generate(70000 + s, 40, s / 3.0));
            }
            List<HeadScore> ranked = RetrievalHeads.rank(model, probes);
            HeadScore top = ranked.getFirst();
            assertEquals(List.of(layer, head), List.of(top.layer(), top.head()), "strongest: " + ranked.subList(0, 3));
            assertTrue(top.factMass() > 0.5, "attention on the passkey while answering: " + top.factMass());
        }
    }
}
