package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Argument mistakes: exit status 2 and one line saying which option and why. */
class BadArgumentsTest {

    private static String failure(String... args) {
        CliResult r = Cli.run(args);
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.errLines().length, "one line on stderr, got:\n" + r.err());
        assertTrue(r.err().startsWith("kvlens: "), r.err());
        return r.err().strip();
    }

    private static String generate(String... more) {
        String[] args = new String[4 + more.length];
        args[0] = "generate";
        args[1] = "--model=" + Cli.STORIES;
        args[2] = "--prompt";
        args[3] = "Once";
        System.arraycopy(more, 0, args, 4, more.length);
        return failure(args);
    }

    @Test
    void negativeMaxTokens() {
        assertEquals("kvlens: --max-tokens must be >= 0, got -5", generate("--max-tokens", "-5"));
    }

    @Test
    void topPAboveOne() {
        assertEquals("kvlens: --top-p must be in (0, 1], got 7.0", generate("--top-p", "7"));
    }

    @Test
    void negativeTemperatureAndTopK() {
        assertTrue(generate("--temperature", "-1").contains("--temperature must be"));
        assertTrue(generate("--top-k", "-3").contains("--top-k must be >= 0"));
    }

    @Test
    void zeroThreads() {
        assertEquals("kvlens: --threads must be between 1 and 4096, got 0", generate("--threads", "0"));
    }

    @Test
    void notANumber() {
        String line = generate("--max-tokens", "many");
        assertTrue(line.contains("--max-tokens") && line.contains("many"), line);
    }

    @Test
    void missingRequiredOption() {
        String line = failure("generate", "--prompt", "Once");
        assertTrue(line.contains("--model"), line);
    }

    @Test
    void unknownOptionAndSubcommand() {
        assertTrue(generate("--frobnicate").contains("--frobnicate"));
        assertTrue(failure("summon", "--model", "x").contains("summon"));
    }

    @Test
    void benchSizesOutsideTheContext() {
        String line = failure("bench", "--model", Cli.STORIES.toString(), "--prompt-tokens", "2048",
                "--gen-tokens", "1");
        assertTrue(line.contains("exceed the context") && line.contains("2048"), line);
        assertTrue(failure("bench", "--model", Cli.STORIES.toString(), "--prompt-tokens", "0")
                .contains("--prompt-tokens must be >= 1"));
    }

    @Test
    void synthWithHeadsThatDoNotDivide() {
        String line = failure("synth", "--layers", "1", "--dim", "64", "--heads", "4", "--kv-heads", "3",
                "--ffn", "64", "--vocab-from", Cli.STORIES.toString(), "--out", "/tmp/never-written.gguf");
        assertEquals("kvlens: --kv-heads 3 must divide --heads 4", line);
        assertTrue(failure("synth", "--like", "mamba", "--layers", "1", "--dim", "64", "--heads", "4",
                "--ffn", "64", "--vocab-from", Cli.STORIES.toString(), "--out", "/tmp/never-written.gguf")
                .contains("--like mamba is not supported"));
    }

    @Test
    void helpAndVersionSucceed() {
        CliResult help = Cli.run("--help");
        assertEquals(0, help.exitCode());
        for (String command : new String[] {"generate", "tokenize", "inspect", "bench", "synth"}) {
            assertTrue(help.out().contains(command), command);
        }
        CliResult version = Cli.run("--version");
        assertEquals(0, version.exitCode());
        assertTrue(version.out().startsWith("kvlens " + VersionProvider.VERSION), version.out());
        CliResult bare = Cli.run();
        assertEquals(0, bare.exitCode());
        assertTrue(bare.out().contains("Usage: kvlens"), bare.out());
    }
}
