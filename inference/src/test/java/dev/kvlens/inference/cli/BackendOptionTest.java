package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code --backend}: every model-running command takes it; a wrong name is one line and exit 2. */
class BackendOptionTest {

    private static final String UNKNOWN = "kvlens: Invalid value for option '--backend': unknown backend 'foo'"
            + " (choose one of cpu, nd4j, auto)";

    private static void assertRefused(String... args) {
        CliResult r = Cli.run(args);
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().strip().startsWith(UNKNOWN), r.err());
    }

    @Test
    void anUnknownBackendIsRefusedByEveryCommandThatRunsAModel() {
        String model = Cli.STORIES.toString();
        assertRefused("generate", "-m", model, "-p", "Once", "--backend", "foo");
        assertRefused("bench", "-m", model, "--backend", "foo");
        assertRefused("run", "-m", model, "-p", "Once", "--backend", "foo");
        assertRefused("compare", "-m", model, "-p", "Once", "--backend", "foo");
        assertRefused("sweep", "-m", model, "--backend", "foo");
        assertRefused("profile", "-m", model, "--backend", "foo");
    }

    @Test
    void benchReportsTheBackendThatRan() throws Exception {
        for (String[] backend : new String[][] {{"cpu", "Vector API ("}, {"nd4j", "ND4J 1.0.0-M2.1 (CPU, OpenBLAS"},
                {"auto", "auto: Vector API ("}}) {
            CliResult r = Cli.run("bench", "-m", Cli.STORIES.toString(), "--prompt-tokens", "16", "--gen-tokens", "2",
                    "--repeat", "1", "--json", "--backend", backend[0]);
            assertEquals(0, r.exitCode(), r.err());
            JsonNode j = new ObjectMapper().readTree(r.out());
            assertTrue(j.get("backend").asText().startsWith(backend[1]), j.get("backend").asText());
            assertTrue(j.get("prefill_tok_s").asDouble() > 0);
        }
    }

    @Test
    void generateOnNd4jGivesTheSameGreedyTextAsTheDefault() {
        String model = Cli.STORIES.toString();
        CliResult cpu = Cli.run("generate", "-m", model, "-p", "Once upon a time", "-n", "24", "--temperature", "0");
        CliResult nd4j = Cli.run("generate", "-m", model, "-p", "Once upon a time", "-n", "24", "--temperature", "0",
                "--backend", "nd4j");
        assertEquals(0, cpu.exitCode(), cpu.err());
        assertEquals(0, nd4j.exitCode(), nd4j.err());
        assertEquals(cpu.out(), nd4j.out());
    }
}
