package dev.kvlens.installer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unpacks the .deb with {@code dpkg-deb -x} (as dpkg would install it, minus the scripts) and checks what
 * a user gets: the launcher, the desktop entry and its icon, the runtime image with the Vector API module,
 * the control fields, and that the unpacked launcher really runs the model (greedy tokens equal to the
 * independent reference in shared/models/reference).
 */
class DebPackageIT {

    private static final String OPT = "opt/" + PackageBuild.LAUNCHER;

    @TempDir
    static Path root;
    private static Path deb;

    /**
     * Unpacks once for the class; called by each test rather than in @BeforeAll, so that a .deb the build
     * left out is reported as skipped test by test, with the reason (a class-level skip counts as no test).
     */
    @BeforeEach
    void unpack() throws Exception {
        Path built = Packages.deb();
        synchronized (DebPackageIT.class) {
            if (deb == null) {
                run(List.of("dpkg-deb", "-x", built.toString(), root.toString()), 60);
                deb = built;
            }
        }
    }

    @Test
    void controlNamesThePackageAndDependsOnGtk() throws Exception {
        String control = run(List.of("dpkg-deb", "-f", deb.toString(), "Package", "Depends"), 30);
        assertTrue(control.contains("Package: kvlens"), control);
        Set<String> depends = Arrays.stream(control.substring(control.indexOf("Depends:") + 8).split(","))
                .map(s -> s.strip().split("\\s")[0]).collect(Collectors.toSet());
        assertTrue(depends.contains("libgtk-3-0"), "Depends has libgtk-3-0: " + depends);
    }

    @Test
    void launcherAndRuntimeAreInstalledUnderOpt() throws Exception {
        Path launcher = root.resolve(OPT).resolve("bin").resolve(PackageBuild.LAUNCHER);
        assertTrue(Files.isRegularFile(launcher) && Files.isExecutable(launcher), "launcher " + launcher);

        Map<String, String> release = keyValues(root.resolve(OPT).resolve("lib/runtime/release"));
        Set<String> modules = Set.of(release.get("MODULES").replace("\"", "").split(" "));
        for (String needed : List.of("jdk.incubator.vector", "javafx.controls", "javafx.swing", "java.prefs",
                "jdk.zipfs")) {
            assertTrue(modules.contains(needed), needed + " in the runtime image: " + modules);
        }
        assertTrue(release.get("JAVA_VERSION").startsWith("\"25"), "a Java 25 runtime: " + release);
        assertTrue(Files.size(root.resolve(OPT).resolve("lib/runtime/lib/modules")) > 10_000_000,
                "the runtime's module image is there");

        String cfg = Files.readString(root.resolve(OPT).resolve("lib/app").resolve(PackageBuild.LAUNCHER + ".cfg"));
        assertTrue(cfg.contains("java-options=--add-modules=jdk.incubator.vector"), cfg);
        assertTrue(cfg.contains("java-options=--enable-native-access=ALL-UNNAMED"), cfg);
        assertTrue(cfg.contains("app.mainclass=dev.kvlens.app.Main"), cfg);
    }

    @Test
    void desktopEntryStartsTheLauncherWithItsIcon() throws Exception {
        Path desktop;
        try (Stream<Path> s = Files.walk(root)) {
            List<Path> entries = s.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".desktop"))
                    .toList();
            assertEquals(1, entries.size(), "one desktop entry: " + entries);
            desktop = entries.getFirst();
        }
        Map<String, String> entry = keyValues(desktop);
        assertEquals("KV Lens", entry.get("Name"));
        assertEquals("Application", entry.get("Type"));
        assertTrue(entry.get("Categories").contains("Science;"), "a main menu category: " + entry);
        assertTrue(!entry.getOrDefault("Comment", "").isBlank(), "a comment: " + entry);
        String exec = entry.get("Exec");
        assertEquals("/" + OPT + "/bin/" + PackageBuild.LAUNCHER, exec);
        assertTrue(Files.isExecutable(root.resolve(exec.substring(1))), "Exec points into the package: " + exec);
        Path icon = root.resolve(entry.get("Icon").substring(1));
        BufferedImage image = ImageIO.read(icon.toFile());
        assertTrue(image != null && image.getWidth() == 256 && image.getHeight() == 256, "a 256x256 PNG icon " + icon);
    }

    @Test
    void maintainerScriptsAreValidAndAddTheMenuEntryBestEffort() throws Exception {
        Path control = Files.createDirectories(root.resolve("DEBIAN-control"));
        run(List.of("dpkg-deb", "-e", deb.toString(), control.toString()), 30);
        for (String script : List.of("postinst", "prerm")) {
            run(List.of("sh", "-n", control.resolve(script).toString()), 30);
        }
        String postinst = Files.readString(control.resolve("postinst"));
        String install = "xdg-desktop-menu install /" + OPT + "/lib/" + PackageBuild.LAUNCHER + "-"
                + PackageBuild.LAUNCHER + ".desktop";
        assertTrue(postinst.contains(install), postinst);
        // Inside "if ! ( ... )": a system without a menu directory still installs the package.
        assertTrue(postinst.indexOf("if ! (") < postinst.indexOf(install), postinst);
        String prerm = Files.readString(control.resolve("prerm"));
        assertTrue(prerm.contains("xdg-desktop-menu uninstall"), prerm);
    }

    @Test
    void unpackedLauncherGeneratesTheReferenceTokens() throws Exception {
        Path launcher = root.resolve(OPT).resolve("bin").resolve(PackageBuild.LAUNCHER);
        Path model = Path.of(System.getProperty("kvlens.models"), "stories260K.gguf");
        int steps = 24;
        String out = run(List.of(launcher.toString(), "generate", "--model", model.toString(), "--prompt",
                "Once upon a time", "--temperature", "0", "--max-tokens", String.valueOf(steps), "--json"), 120);
        ObjectMapper json = new ObjectMapper();
        JsonNode got = json.readTree(out.substring(out.indexOf('{')));
        JsonNode ref = json.readTree(Path.of(System.getProperty("kvlens.models"), "reference", "stories260K.greedy.json")
                .toFile()).get("once_upon_a_time");
        assertEquals(ref.get("prompt_ids").toString(), got.get("prompt_ids").toString());
        for (int i = 0; i < steps; i++) {
            assertEquals(ref.get("generated_ids").get(i).asInt(), got.get("generated_ids").get(i).asInt(),
                    "greedy token " + i);
        }
    }

    private static Map<String, String> keyValues(Path file) throws IOException {
        Map<String, String> out = new HashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("#")) {
                out.putIfAbsent(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        return out;
    }

    /** Runs a command and returns its stdout; a non-zero exit fails with stderr. */
    private static String run(List<String> command, int timeoutSeconds) throws Exception {
        Path out = Files.createTempFile(root, "out", ".txt");
        Path err = Files.createTempFile(root, "err", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish in " + timeoutSeconds + " s");
        }
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), command + " failed:\n" + stderr);
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
