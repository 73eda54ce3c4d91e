package dev.kvlens.inference.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * llama.cpp's tokenizer, run through {@code tools/llamacpp/tokenize.mjs} (node-llama-cpp's prebuilt
 * CPU binaries), as the outside reference for token ids and detokenized text.
 */
final class LlamaCppTokenizerReference {

    static final Path TOOL = Path.of(System.getProperty("kvlens.root", "..")).resolve("tools/llamacpp");

    /** What llama.cpp gives for one string: ids without and with special parsing, and the plain ids detokenized. */
    record Result(int[] plain, int[] special, String detokenized) {
    }

    /** One vocabulary's answers, in the order of the strings asked. */
    record ModelResults(Path model, boolean addBos, boolean addEos, int bos, int eos, List<Result> results) {
    }

    private LlamaCppTokenizerReference() {
    }

    /** Null when the tool is usable, otherwise why not (for a skip message). */
    static String unavailableReason() {
        if (!Files.isDirectory(TOOL.resolve("node_modules/node-llama-cpp"))) {
            return "llama.cpp cross-check not installed: run 'npm ci' in " + TOOL;
        }
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "node does not run";
            }
        } catch (IOException | InterruptedException e) {
            return "node is not on the PATH: " + e.getMessage();
        }
        return null;
    }

    static List<ModelResults> tokenize(List<String> strings, List<Path> models, Path workDir)
            throws IOException, InterruptedException {
        ObjectMapper json = new ObjectMapper();
        Path in = workDir.resolve("strings.json");
        Path out = workDir.resolve("llamacpp.json");
        Files.writeString(in, json.writeValueAsString(strings), StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(List.of("node", "tokenize.mjs", in.toAbsolutePath().toString(),
                out.toAbsolutePath().toString()));
        for (Path m : models) {
            cmd.add(m.toAbsolutePath().toString());
        }
        Process p = new ProcessBuilder(cmd).directory(TOOL.toFile()).redirectErrorStream(true).start();
        byte[] log = p.getInputStream().readAllBytes();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("llama.cpp tokenize.mjs did not finish in 600 s");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("llama.cpp tokenize.mjs failed: " + new String(log, StandardCharsets.UTF_8));
        }
        JsonNode root = json.readTree(out.toFile());
        List<ModelResults> all = new ArrayList<>();
        for (JsonNode m : root) {
            List<Result> results = new ArrayList<>();
            for (JsonNode r : m.get("results")) {
                results.add(new Result(ints(r.get("plain")), ints(r.get("special")), r.get("detokenized").asText()));
            }
            all.add(new ModelResults(Path.of(m.get("model").asText()), m.get("addBos").asBoolean(),
                    m.get("addEos").asBoolean(), m.get("bos").asInt(), m.get("eos").asInt(), results));
        }
        return all;
    }

    static int[] ints(JsonNode array) {
        int[] a = new int[array.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = array.get(i).asInt();
        }
        return a;
    }
}
