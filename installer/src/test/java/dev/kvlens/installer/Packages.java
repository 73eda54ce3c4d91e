package dev.kvlens.installer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The packages the build made for these tests. A package the build left out (its tool missing) makes
 * the test skip with the build's reason; one that is neither there nor explained fails the test.
 */
final class Packages {

    private Packages() {
    }

    static Path dest() {
        return Path.of(System.getProperty("kvlens.installer.dest"));
    }

    /** The app-image folder. */
    static Path appImage() throws IOException {
        skipIfLeftOut(PackageBuild.APP_IMAGE_SKIPPED, "app-image");
        Path image = dest().resolve(PackageBuild.LAUNCHER);
        assertTrue(Files.isDirectory(image), "the build made the app-image " + image);
        return image;
    }

    /** The one .deb file. */
    static Path deb() throws IOException {
        skipIfLeftOut(PackageBuild.DEB_SKIPPED, ".deb");
        try (Stream<Path> s = Files.list(dest())) {
            List<Path> debs = s.filter(p -> p.getFileName().toString().endsWith(".deb")).toList();
            assertEquals(1, debs.size(), "one .deb in " + dest() + ": " + debs);
            return debs.getFirst();
        }
    }

    private static void skipIfLeftOut(String marker, String what) throws IOException {
        Path reason = dest().resolve(marker);
        if (Files.exists(reason)) {
            skip("the build could not make the " + what + ": " + Files.readString(reason).strip());
        }
    }

    /** Skips the test with {@code reason}, also printed, since the build's console shows only a count. */
    static void skip(String reason) {
        System.out.println("SKIPPED: " + reason);
        abort(reason);
    }
}
