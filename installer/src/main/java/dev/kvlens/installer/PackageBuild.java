package dev.kvlens.installer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Builds the KV Lens app-image and .deb with jpackage: stages the class path, puts the JavaFX platform
 * jars on jlink's module path (so JavaFX is part of the runtime image, not loaded from the class path),
 * paints the icon, bundles assets/models/*.gguf, then runs jpackage twice (app-image, then a .deb made
 * from that image, which saves a second jlink).
 */
public final class PackageBuild {

    /** The app-image folder and launcher name, and the Debian package name. */
    public static final String LAUNCHER = "kvlens";
    /** Written into dest instead of a package that could not be built, with the reason. */
    public static final String APP_IMAGE_SKIPPED = "app-image-skipped.txt";
    public static final String DEB_SKIPPED = "deb-skipped.txt";
    /** The folder inside the image's app/ directory holding the bundled models, as the app expects. */
    public static final String ASSETS = "assets";

    /**
     * Runtime modules, from jdeps over the app's class path: java.prefs (settings), java.sql
     * (JFreeChart's JDBC dataset types), java.logging/java.xml (libraries), jdk.unsupported (JavaFX),
     * jdk.zipfs (scenarios are listed inside the app jar), jdk.incubator.vector (the kernels),
     * java.management (kvlens bench watches the JIT compiler to end its warm-up).
     */
    public static final List<String> MODULES = List.of("java.base", "java.desktop", "java.logging",
            "java.management", "java.prefs", "java.sql", "java.xml", "jdk.unsupported", "jdk.zipfs",
            "jdk.incubator.vector", "javafx.controls", "javafx.swing");

    /**
     * What the ./kvlens launcher passes to the JVM for the window (its collector included: G1 with a
     * 30 ms pause goal), plus native access for JavaFX, a named module here; $APPDIR is jpackage's token
     * for the image's app/ folder.
     */
    public static final List<String> JAVA_OPTIONS = List.of("--add-modules=jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED,javafx.graphics", "--sun-misc-unsafe-memory-access=allow",
            "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=30", "-Xss4m",
            "-Dkvlens.assets=$APPDIR/" + ASSETS);

    private static final String DESCRIPTION = "Explore what a language model attends to and what its KV cache keeps";
    private static final String VENDOR = "KV Lens";
    private static final String MENU_GROUP = "Science;ArtificialIntelligence;Education;";

    private final PackageOptions options;

    PackageBuild(PackageOptions options) {
        this.options = options;
    }

    public static void main(String[] args) {
        try {
            new PackageBuild(PackageOptions.parse(args)).run();
        } catch (IllegalArgumentException | IOException | BuildFailure e) {
            System.err.println("kvlens installer: " + e.getMessage());
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.exit(1);
        }
    }

    /** A tool or jpackage run that failed. */
    static final class BuildFailure extends Exception {
        BuildFailure(String message) {
            super(message);
        }
    }

    void run() throws IOException, InterruptedException, BuildFailure {
        Path dest = options.dest();
        Files.createDirectories(dest);
        Files.deleteIfExists(dest.resolve(APP_IMAGE_SKIPPED));
        Files.deleteIfExists(dest.resolve(DEB_SKIPPED));
        deleteTree(dest.resolve(LAUNCHER));
        try (Stream<Path> old = Files.list(dest)) {
            for (Path deb : old.filter(p -> p.getFileName().toString().endsWith(".deb")).toList()) {
                Files.delete(deb);
            }
        }

        if (!Files.isExecutable(options.jpackage())) {
            leaveOut(APP_IMAGE_SKIPPED, "no jpackage at " + options.jpackage() + " (the JDK running Maven lacks it)");
            leaveOut(DEB_SKIPPED, "no jpackage at " + options.jpackage() + ", so no app-image to make it from");
            return;
        }
        Staged staged = stage();
        long t0 = System.nanoTime();
        jpackage(appImageArguments(staged));
        System.out.printf(Locale.ROOT, "kvlens installer: app-image %s in %.1f s%n", dest.resolve(LAUNCHER),
                (System.nanoTime() - t0) / 1e9);

        String debBlocker = debBlocker();
        if (debBlocker != null) {
            leaveOut(DEB_SKIPPED, debBlocker);
            return;
        }
        long t1 = System.nanoTime();
        jpackage(debArguments(staged));
        System.out.printf(Locale.ROOT, "kvlens installer: .deb in %s in %.1f s%n", dest, (System.nanoTime() - t1) / 1e9);
    }

    /** The staged inputs: class path folder (with bundled models), JavaFX module path, resources, icon. */
    record Staged(Path input, Path javafx, Path resources, Path icon) {
    }

    Staged stage() throws IOException, BuildFailure {
        Path work = options.work();
        deleteTree(work);
        Path input = Files.createDirectories(work.resolve("input"));
        Path javafx = Files.createDirectories(work.resolve("javafx"));
        if (!Files.isRegularFile(options.jars().resolve(options.mainJar()))) {
            throw new BuildFailure("the app jar " + options.jars().resolve(options.mainJar()) + " is missing");
        }
        try (Stream<Path> jars = Files.list(options.jars())) {
            for (Path jar : jars.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList()) {
                String name = jar.getFileName().toString();
                if (!name.startsWith("javafx-")) {
                    Files.copy(jar, input.resolve(name));
                } else if (isPlatformJar(name)) {
                    Files.copy(jar, javafx.resolve(name));
                }
                // The classifier-less javafx-*.jar files are empty placeholders: left out.
            }
        }
        List<Path> models = bundledModels();
        if (!models.isEmpty()) {
            Path target = Files.createDirectories(input.resolve(ASSETS).resolve("models"));
            for (Path model : models) {
                Files.copy(model, target.resolve(model.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        System.out.println("kvlens installer: bundled models: "
                + (models.isEmpty() ? "none (no " + options.assets().resolve("models") + "/*.gguf)" : models));
        // jpackage takes the .deb's desktop icon from the resource folder (it ignores --icon with
        // --app-image), so the icon is painted there, beside a copy of the desktop entry template.
        Path resources = Files.createDirectories(work.resolve("resources"));
        try (Stream<Path> templates = Files.list(options.resources())) {
            for (Path template : templates.filter(Files::isRegularFile).toList()) {
                Files.copy(template, resources.resolve(template.getFileName()));
            }
        }
        Path icon = resources.resolve(LAUNCHER + ".png");
        IconPainter.write(icon, 256);
        return new Staged(input, javafx, resources, icon);
    }

    /** javafx-controls-26.0.2-linux.jar has a platform classifier after the version; the placeholder has none. */
    static boolean isPlatformJar(String name) {
        String stem = name.substring(0, name.length() - ".jar".length());
        String last = stem.substring(stem.lastIndexOf('-') + 1);
        return !last.isEmpty() && !Character.isDigit(last.charAt(0));
    }

    List<Path> bundledModels() throws IOException {
        Path folder = options.assets().resolve("models");
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".gguf") && Files.isRegularFile(p))
                    .sorted().toList();
        }
    }

    List<String> appImageArguments(Staged staged) {
        List<String> a = new ArrayList<>(common(staged));
        a.addAll(List.of("--type", "app-image",
                "--input", staged.input().toString(),
                "--main-jar", options.mainJar(),
                "--main-class", "dev.kvlens.app.Main",
                "--module-path", staged.javafx().toString(),
                "--add-modules", String.join(",", MODULES),
                "--jlink-options", "--strip-debug --no-header-files --no-man-pages --strip-native-commands"));
        for (String option : JAVA_OPTIONS) {
            a.add("--java-options");
            a.add(option);
        }
        return a;
    }

    List<String> debArguments(Staged staged) {
        List<String> a = new ArrayList<>(common(staged));
        a.addAll(List.of("--type", "deb",
                "--app-image", options.dest().resolve(LAUNCHER).toString(),
                "--resource-dir", staged.resources().toString(),
                "--linux-package-name", LAUNCHER,
                "--linux-package-deps", "libgtk-3-0",
                "--linux-menu-group", MENU_GROUP,
                "--linux-app-category", "science",
                "--linux-shortcut"));
        return a;
    }

    private List<String> common(Staged staged) {
        return List.of("--dest", options.dest().toString(),
                "--name", LAUNCHER,
                "--app-version", options.numericVersion(),
                "--vendor", VENDOR,
                "--description", DESCRIPTION,
                "--icon", staged.icon().toString());
    }

    /** Why a .deb cannot be made here, or null when it can. */
    private static String debBlocker() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return "a .deb is built on Linux only (this is " + System.getProperty("os.name") + ")";
        }
        for (String tool : List.of("dpkg-deb", "fakeroot")) {
            if (!onPath(tool)) {
                return tool + " is not installed (apt-get install " + (tool.equals("dpkg-deb") ? "dpkg" : tool) + ")";
            }
        }
        return null;
    }

    static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private void leaveOut(String marker, String reason) throws IOException, BuildFailure {
        if (options.failOnMissingTools()) {
            throw new BuildFailure(reason);
        }
        System.out.println("kvlens installer: skipped, " + reason);
        Files.writeString(options.dest().resolve(marker), reason + "\n");
    }

    private void jpackage(List<String> arguments) throws IOException, InterruptedException, BuildFailure {
        List<String> command = new ArrayList<>();
        command.add(options.jpackage().toString());
        command.addAll(arguments);
        Process p = new ProcessBuilder(command).inheritIO().start();
        int status = p.waitFor();
        if (status != 0) {
            throw new BuildFailure("jpackage exited with " + status + ": " + String.join(" ", command));
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
