package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kvlens sweep} on stories260K with small settings. */
class SweepCommandTest {

    /** stories260K: 5 layers, 4 KV heads. */
    static final int HEADS = 5 * 4;

    @TempDir
    Path dir;

    @Test
    void twoPoliciesTimesTwoBudgetsOnOneTask() throws IOException {
        Path out = dir.resolve("sweep");
        long start = System.nanoTime();
        CliResult r = Cli.run("sweep", "--model", Cli.STORIES.toString(), "--policies", "h2o,streamingllm",
                "--budgets", "16,32", "--task", "needle", "--filler", "4", "--max-tokens", "8", "--quiet",
                "--out", out.toString());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(Files.readString(out.resolve("sweep.csv"), StandardCharsets.UTF_8), r.out());
        CsvTable csv = CsvTable.read(out.resolve("sweep.csv"));
        assertEquals(List.of("policy", "budget", "task", "sample", "score", "mean_kl", "bytes", "percent_kept"),
                csv.header());
        // The full-cache reference, then every policy x budget.
        assertEquals(5, csv.rows().size());
        assertEquals(List.of("full", "h2o", "h2o", "streamingllm", "streamingllm"),
                csv.rows().stream().map(m -> m.get("policy")).toList());
        assertEquals(List.of("unlimited", "16 entries/KV head", "32 entries/KV head", "16 entries/KV head",
                "32 entries/KV head"), csv.rows().stream().map(m -> m.get("budget")).toList());
        Map<String, String> full = csv.rows().get(0);
        assertEquals(0.0, Double.parseDouble(full.get("mean_kl")));
        for (Map<String, String> row : csv.rows()) {
            assertEquals("needle", row.get("task"));
            double score = Double.parseDouble(row.get("score"));
            assertTrue(score == 0 || score == 1, "exact scores: " + score);
        }
        for (Map<String, String> row : csv.rows().subList(1, 5)) {
            int budget = Integer.parseInt(row.get("budget").split(" ")[0]);
            long bytes = Long.parseLong(row.get("bytes"));
            // At least B entries of K and V (8 floats each, 4 bytes) per KV head, and far less than the full cache.
            assertTrue(bytes >= (long) budget * HEADS * 2 * 8 * 4, row.toString());
            assertTrue(bytes < Long.parseLong(full.get("bytes")), row.toString());
            assertTrue(Double.parseDouble(row.get("mean_kl")) > 0, row.toString());
            assertTrue(Double.parseDouble(row.get("percent_kept")) < 100, row.toString());
        }
        ImageChecks.assertRealPng(out.resolve("sweep-needle.png"));
        assertTrue(Files.readString(out.resolve("sweep-needle.svg"), StandardCharsets.UTF_8).contains("<svg"));
        assertTrue(seconds < 120, "a small sweep on stories260K takes seconds, took " + seconds);
    }

    @Test
    void aTextIsScoredByItsNll() throws IOException {
        Path text = dir.resolve("story.txt");
        Files.writeString(text, CompareCommandTest.STORY, StandardCharsets.UTF_8);
        Path out = dir.resolve("text");
        CliResult r = Cli.run("sweep", "--model", Cli.STORIES.toString(), "--policies", "snapkv:window=8;h2o",
                "--budgets", "16,25%", "--prompt-file", text.toString(), "--quiet", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        CsvTable csv = CsvTable.read(out.resolve("sweep.csv"));
        assertEquals(5, csv.rows().size());
        assertEquals("snapkv:window=8", csv.rows().get(1).get("policy"));
        assertEquals("25.0% kept", csv.rows().get(2).get("budget"));
        double fullNll = Double.parseDouble(csv.rows().get(0).get("score"));
        assertTrue(fullNll > 0 && fullNll < 10, "mean NLL in nats per token: " + fullNll);
        ImageChecks.assertRealPng(out.resolve("sweep-text.png"));
    }
}
