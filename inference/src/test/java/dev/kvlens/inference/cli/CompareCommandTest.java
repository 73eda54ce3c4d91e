package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kvlens compare} and {@code kvlens replay} end to end on stories260K. */
class CompareCommandTest {

    /** A TinyStories-like text written for this test: about 170 tokens, so a budget of 64 evicts. */
    static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play outside in"
            + " the park with her dog Max. One day, Lily saw a big red ball under a tree. She ran to the ball and"
            + " kicked it high into the sky. Max barked and jumped. The ball fell into the pond. Lily was sad, but"
            + " her mom came and helped her get the ball. They laughed and went home for lunch. After lunch, Lily"
            + " and Max went back to the park. They met a boy named Tom who had a kite. Tom let Lily fly the kite,"
            + " and Max ran after its long tail. When the sun went down, they all said goodbye and";

    static final int MAX_TOKENS = 24;
    /** stories260K: 5 layers, 4 KV heads. */
    static final int HEADS_PER_LANE = 5 * 4;

    @TempDir
    static Path dir;
    static Path out;
    static CliResult compare;
    static int promptLength;

    @BeforeAll
    static void runCompare() {
        out = dir.resolve("compare");
        // The literal lane list: policy:budget pairs separated by commas.
        compare = Cli.run("compare", "--model", Cli.STORIES.toString(), "--prompt", STORY,
                "--lanes", "snapkv:64,h2o:64,streamingllm:64", "--max-tokens", Integer.toString(MAX_TOKENS),
                "--quiet", "--out", out.toString());
        CliResult ids = Cli.run("tokenize", "--model", Cli.STORIES.toString(), "--text", STORY);
        promptLength = ids.out().strip().split(",").length;
    }

    @Test
    void writesEveryOutputAndPrintsTheSummary() throws IOException {
        assertEquals(0, compare.exitCode(), compare.err());
        for (String name : List.of("metrics.csv", "summary.csv", "report.html", CompareCommand.RECORDING,
                "quality-kl.png", "quality-kl.svg", "memory.png", "memory.svg", "quality-top1.png")) {
            assertTrue(Files.size(out.resolve(name)) > 0, name);
        }
        // stdout is exactly summary.csv, so it can be piped; the bar and notes went to stderr.
        assertEquals(Files.readString(out.resolve("summary.csv"), StandardCharsets.UTF_8), compare.out());
        String html = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
        assertTrue(html.contains("<img") && html.contains("SnapKV") && html.contains("StreamingLLM"),
                "report.html shows the charts and names the lanes");
    }

    @Test
    void chartsAreRealPictures() throws IOException {
        List<Path> pngs;
        try (Stream<Path> files = Files.list(out)) {
            pngs = files.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        // quality (3), memory, and one budget map per lane (4).
        assertTrue(pngs.size() >= 8, "charts: " + pngs);
        for (Path png : pngs) {
            ImageChecks.assertRealPng(png);
            Path svg = Path.of(png.toString().replace(".png", ".svg"));
            assertTrue(Files.readString(svg, StandardCharsets.UTF_8).contains("<svg"), svg.toString());
        }
    }

    @Test
    void fullLaneIsExactlyTheReferenceAndBudgetsHold() throws IOException {
        CsvTable summary = CsvTable.read(out.resolve("summary.csv"));
        assertEquals(4, summary.rows().size());
        Map<String, String> full = summary.rows().get(0);
        assertEquals("full", full.get("policy"));
        // Lane 0 is compared with itself: the same logits, so KL is exactly 0 and every top-1 agrees.
        assertEquals(0.0, Double.parseDouble(full.get("mean_kl")));
        assertEquals(100.0, Double.parseDouble(full.get("top1_agreement_pct")));
        assertEquals(MAX_TOKENS + 1, Integer.parseInt(full.get("steps")));
        // The full cache holds every position read: the prompt and all but the last token fed... plus that one.
        assertEquals((long) (promptLength + MAX_TOKENS) * HEADS_PER_LANE,
                Long.parseLong(full.get("final_entries_kept")));

        Map<String, String> snap = summary.rows().get(1);
        Map<String, String> h2o = summary.rows().get(2);
        Map<String, String> streaming = summary.rows().get(3);
        assertEquals(List.of("snapkv", "h2o", "streamingllm"),
                List.of(snap.get("policy"), h2o.get("policy"), streaming.get("policy")));
        // POLICIES.md: H2O and StreamingLLM evict on every step down to B = 64 entries per KV head; SnapKV
        // compresses the prompt to B once and (decode=none, its default) keeps every token read after it.
        assertEquals(64L * HEADS_PER_LANE, Long.parseLong(h2o.get("final_entries_kept")));
        assertEquals(64L * HEADS_PER_LANE, Long.parseLong(streaming.get("final_entries_kept")));
        assertEquals((64L + MAX_TOKENS) * HEADS_PER_LANE, Long.parseLong(snap.get("final_entries_kept")));
        for (Map<String, String> lane : List.of(snap, h2o, streaming)) {
            assertTrue(Double.parseDouble(lane.get("mean_kl")) > 0, "an evicting lane differs from the full cache");
            assertTrue(Long.parseLong(lane.get("final_bytes")) < Long.parseLong(full.get("final_bytes")));
        }

        CsvTable metrics = CsvTable.read(out.resolve("metrics.csv"));
        assertEquals(4 * (MAX_TOKENS + 1), metrics.rows().size(), "one row per lane x step");
    }

    @Test
    void theRecordingReplaysIntoTheSameTables() throws IOException {
        Path again = dir.resolve("replayed");
        CliResult r = Cli.run("replay", "--in", out.resolve(CompareCommand.RECORDING).toString(), "--out",
                again.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertArrayEquals(Files.readAllBytes(out.resolve("summary.csv")), Files.readAllBytes(again.resolve("summary.csv")));
        assertArrayEquals(Files.readAllBytes(out.resolve("metrics.csv")), Files.readAllBytes(again.resolve("metrics.csv")));
        assertEquals(compare.out(), r.out());
        ImageChecks.assertRealPng(again.resolve("quality-kl.png"));
    }

    @Test
    void brokenRecordingsGiveOneLineAndExit2() throws IOException {
        byte[] good = Files.readAllBytes(out.resolve(CompareCommand.RECORDING));
        Path truncated = dir.resolve("truncated.kvrec");
        Files.write(truncated, Arrays.copyOf(good, good.length - 7));
        Path newer = dir.resolve("newer.kvrec");
        byte[] n = good.clone();
        ByteBuffer.wrap(n).putInt(6, ByteBuffer.wrap(good).getInt(6) + 1); // the version after "KVLREC"
        Files.write(newer, n);
        Path flipped = dir.resolve("flipped.kvrec");
        byte[] f = good.clone();
        f[good.length / 2] ^= 0x10;
        Files.write(flipped, f);
        Map<Path, String> expected = Map.of(truncated, "truncated", newer, "newer", flipped, "corrupt",
                Cli.STORIES, "not a KV Lens recording", dir.resolve("missing.kvrec"), "missing.kvrec");
        for (var e : expected.entrySet()) {
            CliResult r = Cli.run("replay", "--in", e.getKey().toString(), "--out", dir.resolve("bad").toString());
            assertEquals(2, r.exitCode(), e.getKey() + ": " + r.err());
            assertEquals(1, r.errLines().length, r.err());
            // A flipped byte fails its record's checksum, or, inside a length field, the length check.
            boolean named = e.getKey().equals(flipped) ? r.err().contains("corrupt") || r.err().contains("truncated")
                    : r.err().contains(e.getValue());
            assertTrue(r.err().startsWith("kvlens: ") && named, r.err());
            assertEquals("", r.out());
        }
    }

    @Test
    void taskScoresGoIntoTheSummaryAndComeBackOnReplay() throws IOException {
        Path t = dir.resolve("task");
        CliResult r = Cli.run("compare", "--model", Cli.STORIES.toString(), "--task", "needle", "--filler", "4",
                "--lanes", "h2o@16;streamingllm:sinks=2@0.25", "--max-tokens", "6", "--quiet", "--out", t.toString());
        assertEquals(0, r.exitCode(), r.err());
        CsvTable summary = CsvTable.read(t.resolve("summary.csv"));
        assertEquals(3, summary.rows().size());
        String taskJson = Files.readString(t.resolve(TaskScores.FILE_NAME), StandardCharsets.UTF_8);
        for (Map<String, String> lane : summary.rows()) {
            double score = Double.parseDouble(lane.get("task_score"));
            assertTrue(score == 0 || score == 1, "an exact task score: " + score);
        }
        assertTrue(taskJson.contains("\"answer\"") && taskJson.contains("\"needle\""), taskJson);
        assertEquals("25.0% kept", summary.rows().get(2).get("budget"));

        Path again = dir.resolve("task-replayed");
        CliResult replay = Cli.run("replay", "--in", t.resolve(CompareCommand.RECORDING).toString(), "--out",
                again.toString());
        assertEquals(0, replay.exitCode(), replay.err());
        assertArrayEquals(Files.readAllBytes(t.resolve("summary.csv")), Files.readAllBytes(again.resolve("summary.csv")));
    }

    @Test
    void freeRunningModeWritesTheSameOutputs() throws IOException {
        Path f = dir.resolve("free");
        CliResult r = Cli.run("compare", "--model", Cli.STORIES.toString(), "--prompt", STORY, "--mode", "free",
                "--lanes", "streamingllm@32", "--max-tokens", "8", "--frames", "none", "--quiet", "--out", f.toString());
        assertEquals(0, r.exitCode(), r.err());
        CsvTable summary = CsvTable.read(f.resolve("summary.csv"));
        assertEquals(2, summary.rows().size());
        assertEquals(32L * HEADS_PER_LANE, Long.parseLong(summary.rows().get(1).get("final_entries_kept")));
        ImageChecks.assertRealPng(f.resolve("memory.png"));
    }

    @Test
    void attentionQualityCanBeSkipped() throws IOException {
        Path q = dir.resolve("no-attention");
        CliResult r = Cli.run("compare", "--model", Cli.STORIES.toString(), "--prompt", STORY, "--lanes", "h2o@32",
                "--max-tokens", "6", "--no-attention-quality", "--frames", "none", "--quiet", "--out", q.toString());
        assertEquals(0, r.exitCode(), r.err());
        Map<String, String> lane = CsvTable.read(q.resolve("summary.csv")).rows().get(1);
        assertEquals("", lane.get("mean_attention_mass_kept"), "not measured, so not reported");
        assertTrue(Double.parseDouble(lane.get("mean_kl")) >= 0, "logit quality is still measured");
    }
}
