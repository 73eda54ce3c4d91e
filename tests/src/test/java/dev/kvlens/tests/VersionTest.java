package dev.kvlens.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.cli.VersionProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class VersionTest {

    @Test
    void versionMatchesTheProjectVersion() throws Exception {
        // Surefire runs in the module folder; the parent pom is one level up.
        String pom = Files.readString(Path.of("..", "pom.xml"));
        Matcher m = Pattern.compile("<artifactId>kvlens-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(pom);
        assertTrue(m.find(), "project version in the parent pom");
        assertEquals(m.group(1), VersionProvider.VERSION);
        KvLens.Run r = KvLens.run("--version");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().startsWith("kvlens " + m.group(1) + "\n"), r.out());
    }
}
