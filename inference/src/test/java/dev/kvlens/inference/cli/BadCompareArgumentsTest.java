package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad lanes, budgets, policies and modes of compare and sweep: one line on stderr, exit 2, nothing run. */
class BadCompareArgumentsTest {

    @TempDir
    Path dir;

    private void assertRefused(String expected, String... args) {
        CliResult r = Cli.run(args);
        assertEquals(2, r.exitCode(), String.join(" ", args) + ": " + r.err());
        assertEquals(1, r.errLines().length, r.err());
        assertTrue(r.err().startsWith("kvlens: ") && r.err().contains(expected), r.err());
        assertEquals("", r.out());
    }

    @Test
    void compareRefusesBadLanes() {
        String model = Cli.STORIES.toString();
        String out = dir.resolve("c").toString();
        assertRefused("valid policies: full, random, streamingllm, h2o",
                "compare", "-m", model, "-p", "Once", "--lanes", "snapkv:64,magic:64", "--out", out);
        assertRefused("a fraction kept (e.g. 0.25 or 25%)",
                "compare", "-m", model, "-p", "Once", "--lanes", "h2o:-3", "--out", out);
        assertRefused("valid options: ",
                "compare", "-m", model, "-p", "Once", "--lanes", "h2o:nope=1@64", "--out", out);
        assertRefused("must exceed the observation window",
                "compare", "-m", model, "-p", "Once", "--lanes", "snapkv:16", "--out", out);
        assertRefused("(valid: teacher, free)",
                "compare", "-m", model, "-p", "Once", "--lanes", "h2o:16", "--mode", "greedy", "--out", out);
        assertRefused("valid tasks: name-recall, needle, passkey",
                "compare", "-m", model, "--task", "trivia", "--lanes", "h2o:16", "--out", out);
        assertRefused("exactly one of --prompt",
                "compare", "-m", model, "-p", "Once", "--task", "needle", "--lanes", "h2o:16", "--out", out);
        assertRefused("keeps no entry",
                "compare", "-m", model, "-p", "Once", "--lanes", "h2o@1%", "--out", out);
        // Nothing was written for a refused run.
        assertFalse(Files.exists(dir.resolve("c").resolve("summary.csv")));
    }

    @Test
    void sweepRefusesBadPoliciesAndBudgets() {
        String model = Cli.STORIES.toString();
        String out = dir.resolve("s").toString();
        List<String[]> cases = List.of(
                new String[] {"valid policies: full, random", "--policies", "h2o,magic", "--budgets", "16"},
                new String[] {"fraction kept (e.g. 0.25 or 25%)", "--policies", "h2o", "--budgets", "16,big"},
                new String[] {"at least 1 entry", "--policies", "h2o", "--budgets", "0"},
                new String[] {"policies with options are separated by ';'", "--policies", "snapkv:window=8,h2o",
                        "--budgets", "64"},
                new String[] {"'full' is always run", "--policies", "full,h2o", "--budgets", "16"});
        for (String[] c : cases) {
            String[] args = new String[c.length - 1 + 7];
            System.arraycopy(new String[] {"sweep", "-m", model, "--task", "needle", "--out", out}, 0, args, 0, 7);
            System.arraycopy(c, 1, args, 7, c.length - 1);
            assertRefused(c[0], args);
        }
        assertRefused("valid tasks: name-recall, needle, passkey",
                "sweep", "-m", model, "--task", "needle,quiz", "--policies", "h2o", "--budgets", "16", "--out", out);
        assertRefused("exactly one of --task",
                "sweep", "-m", model, "--policies", "h2o", "--budgets", "16", "--out", out);
    }
}
