package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvlens.kernels.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs and reports; speeds are not asserted (machines differ), only that they were measured. */
class BenchCommandTest {

    private static int threadsBefore;

    @BeforeAll
    static void rememberThreads() {
        threadsBefore = Parallel.threads();
    }

    /** --threads changes a process-wide setting; later tests in this JVM expect the default. */
    @AfterAll
    static void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    @Test
    void jsonReportsMedianSpeeds() throws Exception {
        CliResult r = Cli.run("bench", "--model", Cli.STORIES.toString(), "--prompt-tokens", "16", "--gen-tokens", "4",
                "--repeat", "3", "--warmup", "3", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        int warmupRuns = j.get("warmup_runs").asInt();
        assertTrue(warmupRuns >= 2 && warmupRuns <= 3, "warm-up stops at 2 at the earliest and at --warmup: " + warmupRuns);
        assertEquals(16, j.get("prompt_tokens").asInt());
        assertEquals(4, j.get("gen_tokens").asInt());
        assertEquals(3, j.get("prefill_runs").size());
        assertEquals(3, j.get("decode_runs").size());
        assertEquals(Parallel.threads(), j.get("threads").asInt());
        assertTrue(j.get("prefill_tok_s").asDouble() > 0);
        assertTrue(j.get("decode_tok_s").asDouble() > 0);
        assertTrue(j.get("idle_listener_decode_tok_s").isNull(), "measured only when asked");
    }

    @Test
    void idleListenerRunsAreTimedBesideThePlainOnes() throws Exception {
        CliResult r = Cli.run("bench", "--model", Cli.STORIES.toString(), "--prompt-tokens", "16", "--gen-tokens", "4",
                "--repeat", "2", "--idle-listener", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(2, j.get("idle_listener_prefill_runs").size());
        assertEquals(2, j.get("idle_listener_decode_runs").size());
        assertTrue(j.get("idle_listener_prefill_tok_s").asDouble() > 0);
        assertTrue(j.get("idle_listener_decode_tok_s").asDouble() > 0);
        CliResult table = Cli.run("bench", "-m", Cli.STORIES.toString(), "--prompt-tokens", "8", "--gen-tokens", "2",
                "--repeat", "1", "--idle-listener");
        assertTrue(table.out().matches("(?s).*idle listener attached: prefill \\d+\\.\\d tok/s \\(\\d\\.\\d{3}x\\).*"),
                table.out());
    }

    @Test
    void tableShowsShapeThreadsAndBothSpeeds() {
        CliResult r = Cli.run("bench", "-m", Cli.STORIES.toString(), "--prompt-tokens", "8", "--gen-tokens", "2",
                "--repeat", "1", "--threads", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().matches("(?s).*prefill\\s+\\d+\\.\\d tok/s.*"), r.out());
        assertTrue(r.out().matches("(?s).*decode\\s+\\d+\\.\\d tok/s.*"), r.out());
        assertTrue(r.out().contains("threads   1"), r.out());
        assertTrue(r.out().contains("5 layers, dim 64"), r.out());
    }

    @Test
    void warmupOutsideItsRangeIsRefused() {
        CliResult r = Cli.run("bench", "-m", Cli.STORIES.toString(), "--warmup", "0");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--warmup must be between 1 and 1000, got 0"), r.err());
    }

    @Test
    void tokensAreValidAndNotJustBos() {
        int[] ids = BenchCommand.benchTokens(200, 512, 1);
        assertEquals(1, ids[0]);
        long distinct = java.util.Arrays.stream(ids).distinct().count();
        assertTrue(distinct > 100, "distinct ids: " + distinct);
        for (int id : ids) {
            assertTrue(id >= 0 && id < 512);
        }
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(3.0, BenchCommand.median(new double[] {9, 1, 3}));
        assertEquals(2.5, BenchCommand.median(new double[] {4, 1, 3, 2}));
    }
}
