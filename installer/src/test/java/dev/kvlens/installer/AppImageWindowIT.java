package dev.kvlens.installer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the jpackage app-image's own launcher on a private Xvfb display, waits until its main window is
 * shown with a model loaded (title "KV Lens — ... (model file)"), and saves a screenshot of it to
 * {@code <target>/screenshots/app-image-window.png}. Skipped, with the reason, where the app-image could
 * not be built or no Xvfb is installed.
 */
class AppImageWindowIT {

    private static final long WINDOW_TIMEOUT_MS = 90_000;
    /** Text, controls and anti-aliasing give a painted window hundreds of colours; an unpainted one has 1. */
    private static final int PAINTED_COLOURS = 64;

    @Test
    void theAppImageOpensItsMainWindowOnAModel(@TempDir Path temp) throws Exception {
        Path launcher = Packages.appImage().resolve("bin").resolve(PackageBuild.LAUNCHER);
        assertTrue(Files.isExecutable(launcher), "the app-image has its launcher " + launcher);
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            Packages.skip("the window test uses Xvfb, which needs Linux");
        }
        if (!PackageBuild.onPath("Xvfb")) {
            Packages.skip("Xvfb is not installed (apt-get install xvfb), so the app-image cannot be started on a display");
        }

        List<Path> bundled = bundledModels();
        Path model = bundled.isEmpty() ? Path.of(System.getProperty("kvlens.models"), "stories260K.gguf")
                : bundled.getFirst();
        assertTrue(Files.isRegularFile(model), "model " + model);
        // With a bundled model the window opens it by itself, as for a user; else it is named.
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        if (bundled.isEmpty()) {
            command.addAll(List.of("--model", model.toString()));
        }

        Path screenshots = Files.createDirectories(Path.of(System.getProperty("kvlens.screenshots")));
        Path log = screenshots.resolve("app-image-window.log");
        int display = freeDisplay();
        Process xvfb = new ProcessBuilder("Xvfb", ":" + display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp")
                .redirectErrorStream(true).redirectOutput(temp.resolve("xvfb.log").toFile()).start();
        Process app = null;
        try {
            waitForSocket(display, xvfb, temp.resolve("xvfb.log"));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("DISPLAY", ":" + display);
            // The window's settings (last model, theme, layout) go to a throwaway store, not the user's.
            pb.environment().put("JAVA_TOOL_OPTIONS", "-Djava.util.prefs.userRoot=" + temp.resolve("prefs"));
            app = pb.start();

            try (X11Display x = X11Display.connect(display)) {
                String expected = "(" + model.getFileName() + ")";
                X11Display.Window window = waitForWindow(x, app, log, expected);
                BufferedImage shot = settledCapture(x, window.bounds());
                Path png = screenshots.resolve("app-image-window.png");
                assertTrue(ImageIO.write(shot, "png", png.toFile()), "PNG written");
                System.out.println("app-image window '" + window.title() + "' " + window.bounds() + " -> " + png);

                assertTrue(window.title().startsWith("KV Lens"), "title " + window.title());
                assertTrue(window.bounds().width >= 960 && window.bounds().height >= 500,
                        "a full-size main window, not a dialog: " + window.bounds());
                assertEquals(window.bounds().width, shot.getWidth());
                assertTrue(distinctColours(shot) >= PAINTED_COLOURS,
                        "the screenshot shows a drawn window (" + distinctColours(shot) + " colours)");
            }
            assertTrue(app.isAlive(), "the app is still running after the screenshot");
        } finally {
            if (app != null) {
                stop(app);
            }
            stop(xvfb);
        }
    }

    private static X11Display.Window waitForWindow(X11Display x, Process app, Path log, String titlePart)
            throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + WINDOW_TIMEOUT_MS;
        List<X11Display.Window> seen = List.of();
        while (System.currentTimeMillis() < deadline) {
            if (!app.isAlive()) {
                fail("the app-image exited with " + app.exitValue() + " before showing its window:\n" + tail(log));
            }
            seen = x.topLevelWindows();
            Optional<X11Display.Window> main = seen.stream()
                    .filter(w -> w.viewable() && w.title().startsWith("KV Lens") && w.title().contains(titlePart))
                    .findFirst();
            if (main.isPresent()) {
                return main.get();
            }
            Thread.sleep(250);
        }
        fail("no window titled 'KV Lens ... " + titlePart + "' within " + WINDOW_TIMEOUT_MS / 1000 + " s; windows: "
                + seen + "\n" + tail(log));
        return null;
    }

    /**
     * Captures until the window has been painted (the title can change before the first frame, which is
     * one flat colour) and two captures 400 ms apart are identical (the layout has settled); at most 20 s,
     * then the last capture, for the assertions to judge.
     */
    private static BufferedImage settledCapture(X11Display x, Rectangle bounds) throws IOException, InterruptedException {
        BufferedImage previous = x.capture(bounds);
        for (int i = 0; i < 50; i++) {
            Thread.sleep(400);
            BufferedImage next = x.capture(bounds);
            if (distinctColours(next) >= PAINTED_COLOURS && same(previous, next)) {
                return next;
            }
            previous = next;
        }
        return previous;
    }

    private static boolean same(BufferedImage a, BufferedImage b) {
        for (int y = 0; y < a.getHeight(); y++) {
            for (int xx = 0; xx < a.getWidth(); xx++) {
                if (a.getRGB(xx, y) != b.getRGB(xx, y)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }

    private static List<Path> bundledModels() throws IOException {
        Path folder = Packages.appImage().resolve("lib/app").resolve(PackageBuild.ASSETS).resolve("models");
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().toList();
        }
    }

    /** The first display number with neither a lock file nor a socket. */
    private static int freeDisplay() {
        for (int n = 140; n < 400; n++) {
            if (!Files.exists(Path.of("/tmp/.X" + n + "-lock")) && !Files.exists(Path.of("/tmp/.X11-unix/X" + n))) {
                return n;
            }
        }
        throw new IllegalStateException("no free X display number between 140 and 399");
    }

    private static void waitForSocket(int display, Process xvfb, Path xvfbLog) throws Exception {
        Path socket = Path.of("/tmp/.X11-unix/X" + display);
        for (int i = 0; i < 100 && !Files.exists(socket); i++) {
            if (!xvfb.isAlive()) {
                fail("Xvfb :" + display + " exited with " + xvfb.exitValue() + ":\n" + tail(xvfbLog));
            }
            Thread.sleep(100);
        }
        assertTrue(Files.exists(socket), "Xvfb :" + display + " is up within 10 s");
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
