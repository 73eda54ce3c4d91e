package dev.kvlens.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp as the outside reference: a file written by {@code kvlens synth} loads in llama.cpp and
 * both engines pick the same greedy tokens. llama.cpp comes from node-llama-cpp's prebuilt CPU
 * binaries in {@code tools/llamacpp} (installed with npm beforehand, never at test time); without
 * them the test is skipped and says why.
 */
class LlamaCppCrossCheckTest {

    private static final Path TOOL = Path.of(System.getProperty("kvlens.root", "..")).resolve("tools/llamacpp");
    private static final String PROMPT = "[1,15043,3186]"; // BOS "Hello world" in the Llama-2 vocabulary

    @ParameterizedTest
    @ValueSource(strings = {"f32", "q8_0", "q4_0"})
    void synthFilesLoadInLlamaCppAndGreedyTokensAgree(String type, @TempDir Path dir) throws Exception {
        assumeTrue(Files.isDirectory(TOOL.resolve("node_modules/node-llama-cpp")),
                "llama.cpp cross-check not installed: run 'npm install' in tools/llamacpp");
        assumeTrue(nodeAvailable(), "node is not on the PATH");
        Path model = dir.resolve("synth-" + type + ".gguf");
        KvLens.Run synth = KvLens.run("synth", "--like", "llama", "--layers", "4", "--dim", "256", "--heads", "4",
                "--kv-heads", "2", "--ffn", "512", "--vocab-from",
                KvLens.MODELS.resolve("ggml-vocab/ggml-vocab-llama-spm.gguf").toString(), "--type", type,
                "--out", model.toString(), "--seed", "7");
        assertEquals(0, synth.exitCode(), synth.err());

        KvLens.Run ours = KvLens.run("generate", "--model", model.toString(), "--prompt", "Hello world",
                "--temperature", "0", "--max-tokens", "12", "--json");
        assertEquals(0, ours.exitCode(), ours.err());
        int[] oursIds = Reference.ints(Reference.parse(ours.out()).get("generated_ids"));
        assertArrayEquals(Reference.ints(Reference.parse("[1,15043,3186]")),
                Reference.ints(Reference.parse(ours.out()).get("prompt_ids")));

        int[] theirs = Reference.ints(Reference.parse(llamaCppGreedy(model, 12)));
        assertArrayEquals(theirs, oursIds, "greedy tokens of llama.cpp vs KV Lens on a " + type + " synth file");
    }

    private static String llamaCppGreedy(Path model, int tokens) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("node", "greedy.mjs", model.toAbsolutePath().toString(), PROMPT,
                Integer.toString(tokens)).directory(TOOL.toFile()).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("llama.cpp did not finish in 120 s");
        }
        assertEquals(0, p.exitValue(), "llama.cpp failed: " + err);
        String text = new String(out, StandardCharsets.UTF_8).strip();
        return text.substring(text.lastIndexOf('\n') + 1);
    }

    private static boolean nodeAvailable() {
        try {
            return new ProcessBuilder("node", "--version").start().waitFor(20, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
