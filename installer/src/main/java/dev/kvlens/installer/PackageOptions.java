package dev.kvlens.installer;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link PackageBuild} is told by the build: {@code --name=value} arguments.
 *
 * @param jpackage     the jpackage executable of the JDK running the build
 * @param jars         the app jar and its runtime class path (JavaFX platform jars included)
 * @param mainJar      file name of the app jar inside {@code jars}
 * @param assets       the repository's assets folder; its models/*.gguf are bundled when present
 * @param resources    jpackage resource folder (the desktop entry template)
 * @param work         scratch folder for the staged input, the JavaFX module path and the icon
 * @param dest         where the app-image folder and the .deb go
 * @param version      the project version; a -SNAPSHOT or other suffix is dropped for jpackage
 * @param failOnMissingTools true: a missing jpackage, fakeroot or dpkg-deb fails the build; false: the
 *                     package is left out and the reason written beside it for the tests to report
 */
public record PackageOptions(Path jpackage, Path jars, String mainJar, Path assets, Path resources, Path work,
        Path dest, String version, boolean failOnMissingTools) {

    private static final List<String> NAMES = List.of("jpackage", "jars", "main-jar", "assets", "resources",
            "work", "dest", "version", "missing-tools");

    /** Parses {@code --name=value} arguments; every name is required. */
    public static PackageOptions parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            String name = arg.startsWith("--") && eq > 2 ? arg.substring(2, eq) : null;
            if (name == null || !NAMES.contains(name)) {
                throw new IllegalArgumentException("unknown argument '" + arg + "'; expected --NAME=VALUE with NAME one of "
                        + NAMES);
            }
            values.put(name, arg.substring(eq + 1));
        }
        for (String name : NAMES) {
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException("missing --" + name + "=...");
            }
        }
        String missing = values.get("missing-tools");
        if (!missing.equals("fail") && !missing.equals("skip")) {
            throw new IllegalArgumentException("--missing-tools must be fail or skip, not '" + missing + "'");
        }
        return new PackageOptions(Path.of(values.get("jpackage")), Path.of(values.get("jars")), values.get("main-jar"),
                Path.of(values.get("assets")), Path.of(values.get("resources")), Path.of(values.get("work")),
                Path.of(values.get("dest")), values.get("version"), missing.equals("fail"));
    }

    /** The version as jpackage accepts it: the leading dot-separated numbers ("0.1.0-SNAPSHOT" -> "0.1.0"). */
    public String numericVersion() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\d+(\\.\\d+)*").matcher(version);
        if (!m.find()) {
            throw new IllegalArgumentException("version '" + version + "' does not start with a number");
        }
        return m.group();
    }
}
