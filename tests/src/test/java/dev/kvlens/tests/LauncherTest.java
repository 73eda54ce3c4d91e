package dev.kvlens.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kvlens.inference.cli.KvLensCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the real {@code ./kvlens} script as a process, against the build this test runs on (it
 * never builds: KVLENS_NO_BUILD). Skipped when that build has no packaged class path yet, as in a
 * build that stops before the package phase.
 */
class LauncherTest {

    private record Result(int exitCode, String out, String err) {
    }

    /** The build folder (target, or another -Dkvlens.target) holding the classes under test. */
    private static Path buildFolder() throws Exception {
        Path location = Path.of(KvLensCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        // .../inference/<target>/classes or .../inference/<target>/kvlens-inference-<version>.jar
        return location.getParent();
    }

    private static Result launch(String... args) throws Exception {
        Path target = buildFolder();
        Path root = target.getParent().getParent();
        Path script = root.resolve("kvlens");
        assumeTrue(Files.isExecutable(script), "no launcher at " + script);
        assumeTrue(Files.isDirectory(target.resolve("classes")) && Files.isDirectory(target.resolve("lib")),
                "no packaged build in " + target);
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("KVLENS_NO_BUILD", "1");
        pb.environment().put("KVLENS_TARGET", target.getFileName().toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Path out = Files.createTempFile("kvlens-out", ".txt");
        Path err = Files.createTempFile("kvlens-err", ".txt");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "launcher finished");
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void versionThroughTheScript() throws Exception {
        Result r = launch("--version");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("kvlens "), r.out());
    }

    @Test
    void tokenizeThroughTheScript() throws Exception {
        Result r = launch("tokenize", "--model", KvLens.MODELS.resolve("stories260K.gguf").toAbsolutePath().toString(),
                "--text", "Once upon a time");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("[1,403,407,261,378]", r.out().strip());
    }

    @Test
    void badFileThroughTheScript() throws Exception {
        Path missing = Path.of("/nonexistent/model.gguf");
        Result r = launch("inspect", "--model", missing.toString());
        assertEquals(2, r.exitCode());
        assertEquals("kvlens: " + missing + ": no such file or folder", r.err().strip());
    }
}
