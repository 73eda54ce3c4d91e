package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.inference.model.ForwardPass;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.PolicyDescriptor;
import dev.kvlens.inference.policy.PolicyLane;
import dev.kvlens.inference.policy.PolicyRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kvlens run}: FullKV must reproduce the engine exactly; compressing policies must hold their
 * budget in the trace and in the memory figures; bad names, options and budgets exit with 2.
 */
class RunCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** About 90 tokens of TinyStories-like text: long enough for a 32-entry observation window and a budget. */
    private static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play outside "
            + "in the park. One day, she saw a big red ball. She wanted to play with it, but it was too high. Lily asked "
            + "her mom to help her. Her mom said yes and they played together all day.";

    private static final String CONTINUATION = " The next day, Lily went back to the park with her friend Tom. They "
            + "found a small dog under a tree. The dog was sad, so Lily gave it some water.";

    /**
     * Values recomputed here after the command ran are compared to float precision, not bit for bit:
     * the kernels' float rounding can change once the JIT compiles them (Vector API reductions), so
     * two runs of the same pass at different moments may differ in the last bits (seen: 1.4e-6 nats).
     * The two lanes of one run are subject to it too. Bit-for-bit equality is checked where both
     * passes run side by side after a warm-up.
     */
    private static final double NLL_TOLERANCE = 1e-4;

    /** KL between two lanes whose logits differ only by that rounding (seen: 2e-12 nats). */
    private static final double KL_TOLERANCE = 1e-9;

    @TempDir
    Path tmp;

    private static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }

    private static JsonNode runJson(String... args) throws Exception {
        CliResult r = Cli.run(args);
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(1, r.out().strip().lines().count(), "stdout holds exactly one JSON object:\n" + r.out());
        return JSON.readTree(r.out());
    }

    private static List<JsonNode> trace(Path file) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            events.add(JSON.readTree(line));
        }
        return events;
    }

    private static List<JsonNode> ofType(List<JsonNode> events, String type) {
        return events.stream().filter(e -> e.get("type").asText().equals(type)).toList();
    }

    /** −log softmax(logits)[token], written out here rather than taken from the quality package. */
    private static double nll(float[] logits, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return max + Math.log(sum) - logits[token];
    }

    private static boolean registered(String id) {
        return PolicyRegistry.descriptors().stream().anyMatch(d -> d.id().equals(id));
    }

    @Test
    void fullPolicyGeneratesWhatGenerateGenerates() throws Exception {
        String model = Cli.STORIES.toString();
        JsonNode run = runJson("run", "--model", model, "--policy", "full", "--prompt", "Once upon a time",
                "--temperature", "0", "--max-tokens", "40", "--json");
        JsonNode gen = runJson("generate", "--model", model, "--prompt", "Once upon a time", "--temperature", "0",
                "--max-tokens", "40", "--json");
        assertArrayEquals(ints(gen.get("prompt_ids")), ints(run.get("prompt_ids")));
        assertArrayEquals(ints(gen.get("generated_ids")), ints(run.get("generated_ids")));
        assertEquals(gen.get("text").asText(), run.get("text").asText());
        assertEquals(40, run.get("steps").asInt());
        assertEquals(0.0, run.get("mean_kl").asDouble(), KL_TOLERANCE);
        assertEquals(100.0, run.get("top1_agreement_percent").asDouble());
        assertEquals(run.get("full_mean_nll").asDouble(), run.get("mean_nll").asDouble(), NLL_TOLERANCE);
        assertEquals(run.get("full_bytes").asLong(), run.get("bytes").asLong());
        assertEquals(100.0, run.get("percent_entries_kept").asDouble());
        assertEquals(0, run.get("compressions").asInt());
        assertEquals("FullKV", run.get("policy_label").asText());
        assertFalse(run.get("simulated").asBoolean());
    }

    @Test
    void fullPolicySamplesWhatGenerateSamplesWithTheSameSeed() throws Exception {
        String[] common = {"--model", Cli.STORIES.toString(), "--prompt", "Once upon a time", "--temperature", "1.0",
                "--top-k", "0", "--top-p", "0.9", "--seed", "7", "--max-tokens", "30", "--json"};
        List<String> run = new ArrayList<>(List.of("run", "--policy", "full"));
        run.addAll(List.of(common));
        List<String> gen = new ArrayList<>(List.of("generate"));
        gen.addAll(List.of(common));
        JsonNode r = runJson(run.toArray(String[]::new));
        JsonNode g = runJson(gen.toArray(String[]::new));
        assertArrayEquals(ints(g.get("generated_ids")), ints(r.get("generated_ids")));
        assertEquals(7, r.get("seed").asLong());
    }

    @Test
    void fullPolicyTraceMatchesTheEngineWithoutAPolicy() throws Exception {
        Path out = tmp.resolve("full.jsonl");
        JsonNode run = runJson("run", "-m", Cli.STORIES.toString(), "--policy", "full", "-p", STORY,
                "--temperature", "0", "-n", "24", "--trace", out.toString(), "--json");
        int[] prompt = ints(run.get("prompt_ids"));
        int[] generated = ints(run.get("generated_ids"));
        List<JsonNode> events = trace(out);
        List<JsonNode> steps = ofType(events, "step");
        assertEquals(generated.length, steps.size());
        assertEquals(events.size(), steps.size(), "FullKV makes no compression decisions");

        try (LoadedModel loaded = ModelLoader.load(Cli.STORIES)) {
            ForwardPass plain = loaded.model().newForwardPass();
            KvCache cache = loaded.model().newFullCache();
            // Warm the kernels up first so that the JIT does not switch tiers between the two passes below.
            for (int i = 0; i < 20; i++) {
                loaded.model().newForwardPass().forward(prompt, 0, loaded.model().newFullCache(), null, false);
            }
            PolicyLane lane = new PolicyLane(loaded.model(), PolicyRegistry.create("full", Budget.UNLIMITED));
            float[] expected = plain.forward(prompt, 0, cache, null, false);
            float[] actual = lane.prefill(prompt, null, false);
            for (int i = 0; i < generated.length; i++) {
                assertArrayEquals(expected, actual, "logits before token " + i);
                JsonNode step = steps.get(i);
                assertEquals(prompt.length + i, step.get("position").asInt());
                assertEquals(generated[i], step.get("token").asInt());
                assertEquals(loaded.tokenizer().piece(generated[i]), step.get("text").asText());
                assertEquals(nll(expected, generated[i]), step.get("nll").asDouble(), NLL_TOLERANCE);
                assertEquals(0.0, step.get("kl").asDouble(), KL_TOLERANCE);
                assertTrue(step.get("top1").asBoolean());
                assertEquals(1.0, step.get("mass_kept").asDouble(), 1e-6);
                assertEquals(0.0, step.get("output_error").asDouble(), 1e-5);
                assertEquals(step.get("full_bytes").asLong(), step.get("bytes").asLong());
                if (i + 1 < generated.length) {
                    expected = plain.forward(new int[] {generated[i]}, prompt.length + i, cache, null, false);
                    actual = lane.step(generated[i], null);
                }
            }
        }
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(out), files.toList(), "the temporary trace file was renamed, not left behind");
        }
    }

    @Test
    void teacherForcedRunsTheFilesTokensOnBothLanes() throws Exception {
        Path text = tmp.resolve("continuation.txt");
        Files.writeString(text, CONTINUATION, StandardCharsets.UTF_8);
        Path promptFile = tmp.resolve("prompt.txt");
        Files.writeString(promptFile, STORY, StandardCharsets.UTF_8);
        JsonNode full = runJson("run", "-m", Cli.STORIES.toString(), "--policy", "full", "--prompt-file",
                promptFile.toString(), "--teacher-forced", text.toString(), "--json");
        int[] forced;
        int[] prompt;
        double engineNll = 0;
        try (LoadedModel loaded = ModelLoader.load(Cli.STORIES)) {
            forced = loaded.tokenizer().encode(CONTINUATION, false, false);
            prompt = loaded.tokenizer().encode(STORY, true, true);
            ForwardPass plain = loaded.model().newForwardPass();
            KvCache cache = loaded.model().newFullCache();
            float[] logits = plain.forward(prompt, 0, cache, null, false);
            for (int i = 0; i < forced.length; i++) {
                engineNll += nll(logits, forced[i]);
                if (i + 1 < forced.length) {
                    logits = plain.forward(new int[] {forced[i]}, prompt.length + i, cache, null, false);
                }
            }
            engineNll /= forced.length;
        }
        assertArrayEquals(prompt, ints(full.get("prompt_ids")));
        assertArrayEquals(forced, ints(full.get("generated_ids")));
        assertEquals(forced.length, full.get("steps").asInt());
        assertTrue(full.get("teacher_forced").asBoolean());
        assertEquals("teacher-forced", full.get("stop_reason").asText());
        assertEquals(engineNll, full.get("mean_nll").asDouble(), NLL_TOLERANCE);

        JsonNode cut = runJson("run", "-m", Cli.STORIES.toString(), "--policy", "full", "--prompt-file",
                promptFile.toString(), "--teacher-forced", text.toString(), "-n", "5", "--json");
        assertArrayEquals(java.util.Arrays.copyOf(forced, 5), ints(cut.get("generated_ids")));

        Assumptions.assumeTrue(registered("snapkv"), "snapkv is not registered yet");
        JsonNode snap = runJson("run", "-m", Cli.STORIES.toString(), "--policy", "snapkv", "--budget", "48",
                "--prompt-file", promptFile.toString(), "--teacher-forced", text.toString(), "--json");
        assertArrayEquals(forced, ints(snap.get("generated_ids")), "the lane is forced on the same tokens");
        assertEquals(engineNll, snap.get("full_mean_nll").asDouble(), NLL_TOLERANCE, "the reference lane is the engine");
        assertTrue(snap.get("mean_kl").asDouble() > 0, "evicting changes the distribution");
    }

    @Test
    void snapKvHoldsItsBudgetInTheTraceAndInMemory() throws Exception {
        Assumptions.assumeTrue(registered("snapkv"), "snapkv is not registered yet");
        Path out = tmp.resolve("snapkv.jsonl");
        int budget = 48;
        JsonNode run = runJson("run", "-m", Cli.STORIES.toString(), "--policy", "snapkv", "--budget",
                Integer.toString(budget), "-p", STORY, "--temperature", "0", "-n", "20", "--trace", out.toString(),
                "--json");
        int n = ints(run.get("prompt_ids")).length;
        assertTrue(n > budget + 20, "the prompt (" + n + " tokens) must exceed the budget");
        int steps = run.get("steps").asInt();
        assertEquals(20, steps);
        List<JsonNode> events = trace(out);
        List<JsonNode> compressions = ofType(events, "compression");
        int kvHeadsInAll;
        try (LoadedModel loaded = ModelLoader.load(Cli.STORIES)) {
            var c = loaded.config();
            // SnapKV compresses once, at the end of the prompt (decode=none), every (layer, KV head).
            assertEquals(c.layers() * c.kvHeads(), compressions.size());
            Set<String> heads = new HashSet<>();
            for (JsonNode e : compressions) {
                assertEquals(n - 1, e.get("step").asInt());
                assertEquals(budget, e.get("budget").asInt());
                int[] kept = ints(e.get("kept"));
                int[] evicted = ints(e.get("evicted"));
                assertEquals(budget, kept.length);
                assertEquals(n - budget, evicted.length);
                Set<Integer> all = new HashSet<>();
                for (int i = 0; i < kept.length; i++) {
                    assertTrue(i == 0 || kept[i - 1] < kept[i], "kept positions ascend");
                    all.add(kept[i]);
                }
                for (int p : evicted) {
                    assertTrue(all.add(p), "position " + p + " both kept and evicted");
                }
                for (int p = 0; p < n; p++) {
                    assertTrue(all.contains(p), "position " + p + " neither kept nor evicted");
                }
                // The observation window (default 32: the last 32 prompt positions) is always kept.
                for (int p = n - 32; p < n; p++) {
                    assertTrue(all.contains(p) && java.util.Arrays.binarySearch(kept, p) >= 0, "window position " + p);
                }
                heads.add(e.get("layer").asInt() + "/" + e.get("kv_head").asInt());
            }
            assertEquals(c.layers() * c.kvHeads(), heads.size());
            kvHeadsInAll = c.layers() * c.kvHeads();
        }
        // Compressions come before the first step line: the first prediction already uses the shrunk cache.
        assertEquals("compression", events.get(0).get("type").asText());
        List<JsonNode> stepLines = ofType(events, "step");
        JsonNode first = stepLines.get(0);
        // Both lanes are trimmed after the prompt, so bytes are in the ratio of entries: budget / n.
        assertEquals((double) budget / n, first.get("bytes").asDouble() / first.get("full_bytes").asDouble(), 0.01);
        // The first prediction comes from the prompt's own pass, which ran before the policy evicted:
        // the lane still saw everything. From the second on, the lane reads the shrunk cache.
        assertEquals(0.0, first.get("kl").asDouble(), KL_TOLERANCE);
        assertEquals(1.0, first.get("mass_kept").asDouble(), 1e-5);
        for (JsonNode later : stepLines.subList(1, stepLines.size())) {
            assertTrue(later.get("mass_kept").asDouble() < 0.999, "the full cache attends to evicted positions");
            assertTrue(later.get("bytes").asLong() < later.get("full_bytes").asLong());
        }
        // decode=none: generated tokens are appended, so each head ends with budget + (steps - 1) entries.
        assertEquals(budget + steps - 1, run.get("entries_per_kv_head").asDouble(), 1e-9);
        assertEquals(n + steps - 1, run.get("full_entries_per_kv_head").asDouble(), 1e-9);
        assertEquals(100.0 * (budget + steps - 1) / (n + steps - 1), run.get("percent_entries_kept").asDouble(), 1e-9);
        assertTrue(run.get("bytes").asLong() < run.get("full_bytes").asLong());
        // Dense fp32 stores trimmed at the end: bytes are in the ratio of entries (within 1%).
        assertEquals(run.get("percent_entries_kept").asDouble(), run.get("percent_bytes").asDouble(),
                0.01 * run.get("percent_entries_kept").asDouble());
        assertEquals(kvHeadsInAll, run.get("compressions").asInt());
        assertEquals("48 entries/KV head", run.get("budget").asText());
        assertEquals(48, run.get("budget_entries_per_kv_head").asInt());
    }

    @Test
    void streamingLlmKeepsSinksAndRecentEntriesWhileDecoding() throws Exception {
        Assumptions.assumeTrue(registered("streamingllm"), "streamingllm is not registered yet");
        Path out = tmp.resolve("streaming.jsonl");
        int budget = 32;
        JsonNode run = runJson("run", "-m", Cli.STORIES.toString(), "--policy", "streamingllm", "--budget",
                Integer.toString(budget), "-p", STORY, "--temperature", "0", "-n", "24", "--trace", out.toString(),
                "--json");
        int n = ints(run.get("prompt_ids")).length;
        List<JsonNode> events = trace(out);
        Map<String, int[]> lastKept = new HashMap<>();
        for (JsonNode e : ofType(events, "compression")) {
            int[] kept = ints(e.get("kept"));
            assertTrue(kept.length <= budget, "at most the budget per head");
            assertEquals(0, kept[0], "the first (sink) position is kept");
            assertEquals(e.get("step").asInt(), kept[kept.length - 1], "the newest position is kept");
            lastKept.put(e.get("layer").asInt() + "/" + e.get("kv_head").asInt(), kept);
        }
        assertFalse(lastKept.isEmpty(), "the prompt of " + n + " tokens exceeds the budget");
        assertEquals(budget, run.get("entries_per_kv_head").asDouble(), 1e-9, "the budget holds while decoding");
    }

    @Test
    void fractionBudgetIsLabelledBothWays() throws Exception {
        Assumptions.assumeTrue(registered("snapkv"), "snapkv is not registered yet");
        JsonNode run = runJson("run", "-m", Cli.STORIES.toString(), "--policy", "snapkv:window=8", "--budget", "25%",
                "-p", STORY, "--temperature", "0", "-n", "1", "--json");
        int n = ints(run.get("prompt_ids")).length;
        assertEquals("25.0% kept", run.get("budget").asText());
        assertEquals(0.25, run.get("budget_fraction_kept").asDouble());
        assertTrue(run.get("budget_entries_per_kv_head").isNull());
        // One step runs no token after the prompt: every head holds floor(n / 4) entries.
        assertEquals(Math.floor(n * 0.25), run.get("entries_per_kv_head").asDouble(), 1e-9);
        assertEquals(100.0 * Math.floor(n * 0.25) / n, run.get("percent_entries_kept").asDouble(), 1e-9);
    }

    @Test
    void textThenSummaryBlock() {
        Assumptions.assumeTrue(registered("snapkv"), "snapkv is not registered yet");
        CliResult r = Cli.run("run", "-m", Cli.STORIES.toString(), "--policy", "snapkv:window=8", "--budget", "0.25",
                "-p", STORY, "--temperature", "0", "-n", "12");
        assertEquals(0, r.exitCode(), r.err());
        String[] parts = r.out().split("\\R\\R", 2);
        assertEquals(2, parts.length, "text, blank line, summary:\n" + r.out());
        assertFalse(parts[0].isBlank(), "the generated text comes first");
        String summary = parts[1];
        assertTrue(summary.contains("== kvlens run: SnapKV against the full cache =="), summary);
        assertTrue(summary.contains("budget     25.0% kept"), summary);
        assertTrue(summary.contains("entries/KV head") && summary.contains("% of the full cache kept"), summary);
        assertTrue(summary.contains("bytes held vs"), summary);
        for (String figure : List.of("mean KL", "top-1 agreement", "mean NLL", "attention mass kept")) {
            assertTrue(summary.contains(figure), figure);
        }
        assertTrue(summary.contains("window=8"), summary);
        assertFalse(summary.toLowerCase(java.util.Locale.ROOT).contains("compression ratio"));
    }

    // ---- bad input: one line, exit 2, the valid choices named ----

    private static String failure(String... args) {
        CliResult r = Cli.run(args);
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.errLines().length, "one line on stderr, got:\n" + r.err());
        assertTrue(r.err().startsWith("kvlens: "), r.err());
        return r.err().strip();
    }

    private static String run(String policy, String budget) {
        return failure("run", "-m", Cli.STORIES.toString(), "--policy", policy, "--budget", budget, "-p", "Once");
    }

    @Test
    void unknownPolicyListsTheValidOnes() {
        String line = run("lz77", "64");
        assertTrue(line.contains("unknown policy 'lz77'"), line);
        for (PolicyDescriptor d : PolicyRegistry.descriptors()) {
            assertTrue(line.contains(d.id()), "lists " + d.id() + ": " + line);
        }
    }

    @Test
    void unknownOptionListsTheValidOnes() {
        assertTrue(run("full:window=4", "64").contains("policy 'full' has no option 'window' (it takes none)"));
        Assumptions.assumeTrue(registered("snapkv"));
        String line = run("snapkv:windw=4", "64");
        assertTrue(line.contains("has no option 'windw'") && line.contains("window") && line.contains("pooling"), line);
    }

    @Test
    void badOptionValueListsTheValidOnes() {
        // Any registered policy with an enumerated option and a numeric one will do.
        PolicyDescriptor withChoice = PolicyRegistry.descriptors().stream()
                .filter(d -> d.options().stream().anyMatch(o -> !o.choices().isEmpty())).findFirst().orElse(null);
        Assumptions.assumeTrue(withChoice != null, "no registered policy has an enumerated option yet");
        var option = withChoice.options().stream().filter(o -> !o.choices().isEmpty()).findFirst().orElseThrow();
        String line = run(withChoice.id() + ":" + option.name() + "=nonsense", "64");
        assertTrue(line.contains("nonsense"), line);
        for (String choice : option.choices()) {
            assertTrue(line.contains(choice), "lists " + choice + ": " + line);
        }
        PolicyDescriptor withNumber = PolicyRegistry.descriptors().stream()
                .filter(d -> d.options().stream().anyMatch(o -> o.choices().isEmpty())).findFirst().orElseThrow();
        var number = withNumber.options().stream().filter(o -> o.choices().isEmpty()).findFirst().orElseThrow();
        String numberLine = run(withNumber.id() + ":" + number.name() + "=lots", "64");
        assertTrue(numberLine.contains(withNumber.id() + ":" + number.name() + " must be") && numberLine.contains("'lots'"),
                numberLine);
        assertTrue(numberLine.contains("options of " + withNumber.id()), numberLine);
    }

    @Test
    void badBudgetsNameTheAcceptedForms() {
        for (String budget : List.of("lots", "0", "1.5", "-3", "150%")) {
            String line = run("full", budget);
            assertTrue(line.startsWith("kvlens: --budget '" + budget + "'"), line);
            assertTrue(line.contains("e.g. 64") && line.contains("e.g. 0.25 or 25%"), line);
        }
        assertTrue(run("full", "0").contains("at least 1 entry"));
        assertTrue(run("full", "1.5").contains("(0, 1]"));
    }

    @Test
    void budgetIsRequiredForCompressingPolicies() {
        Assumptions.assumeTrue(registered("snapkv"));
        String line = failure("run", "-m", Cli.STORIES.toString(), "--policy", "snapkv", "-p", "Once");
        assertTrue(line.contains("--budget is required for policy 'snapkv'") && line.contains("e.g. 64"), line);
    }

    @Test
    void aFractionThatKeepsNothingIsRefused() {
        Assumptions.assumeTrue(registered("snapkv"));
        String line = run("snapkv", "1%");
        assertTrue(line.contains("keeps no entry"), line);
    }

    @Test
    void promptAndPromptFileAreExclusive() throws Exception {
        Path f = tmp.resolve("p.txt");
        Files.writeString(f, "Once");
        assertTrue(failure("run", "-m", Cli.STORIES.toString(), "--policy", "full", "-p", "Once", "--prompt-file",
                f.toString()).contains("exactly one of --prompt"));
        assertTrue(failure("run", "-m", Cli.STORIES.toString(), "--policy", "full")
                .contains("exactly one of --prompt"));
        assertTrue(failure("run", "-m", Cli.STORIES.toString(), "--policy", "full", "--prompt-file",
                tmp.resolve("missing.txt").toString()).contains("missing.txt"));
    }

    @Test
    void traceIntoAMissingFolderFailsBeforeRunning() {
        Path missing = tmp.resolve("no/such/folder/t.jsonl");
        String line = failure("run", "-m", Cli.STORIES.toString(), "--policy", "full", "-p", "Once", "--trace",
                missing.toString());
        assertTrue(line.contains("does not exist"), line);
        assertFalse(Files.exists(missing));
    }
}
