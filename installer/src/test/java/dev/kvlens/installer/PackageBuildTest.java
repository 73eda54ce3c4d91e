package dev.kvlens.installer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/** The build's small decisions: versions, which JavaFX jars are modules, the icon's numbers. */
class PackageBuildTest {

    private static PackageOptions withVersion(String version) {
        return PackageOptions.parse(new String[] {"--jpackage=/j", "--jars=/l", "--main-jar=a.jar", "--assets=/a",
                "--resources=/r", "--work=/w", "--dest=/d", "--version=" + version, "--missing-tools=skip"});
    }

    @Test
    void jpackageGetsTheNumericPartOfTheVersion() {
        assertEquals("0.1.0", withVersion("0.1.0-SNAPSHOT").numericVersion());
        assertEquals("2.10", withVersion("2.10").numericVersion());
        assertThrows(IllegalArgumentException.class, () -> withVersion("SNAPSHOT").numericVersion());
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PackageOptions.parse(new String[] {"--jpackage=/j"}));
        assertTrue(e.getMessage().contains("--jars"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PackageOptions.parse(new String[] {"--colour=red"}));
        assertTrue(e.getMessage().contains("--colour=red"), e.getMessage());
    }

    @Test
    void onlyJavaFxPlatformJarsGoOnTheModulePath() {
        assertTrue(PackageBuild.isPlatformJar("javafx-controls-26.0.2-linux.jar"));
        assertTrue(PackageBuild.isPlatformJar("javafx-base-26.0.2-mac-aarch64.jar"));
        assertFalse(PackageBuild.isPlatformJar("javafx-controls-26.0.2.jar"));
    }

    @Test
    void iconRowsAreSoftmaxWeights() {
        // Row 1 by hand: scores key0 = 2 - 0.9 = 1.1 (sink), key1 = 0 -> e^1.1 / (e^1.1 + 1) = 0.750260.
        double[] row1 = IconPainter.attentionRow(1);
        assertEquals(0.750260, row1[0], 1e-6);
        assertEquals(0.249740, row1[1], 1e-6);
        for (int q = 0; q < 8; q++) {
            double sum = 0;
            for (double w : IconPainter.attentionRow(q)) {
                sum += w;
            }
            assertEquals(1.0, sum, 1e-12, "row " + q);
        }
    }

    @Test
    void iconIsOpaqueInsideAndTransparentAtTheCorners() {
        BufferedImage icon = IconPainter.paint(256);
        assertEquals(0, icon.getRGB(0, 0) >>> 24, "corner outside the rounded square is transparent");
        assertEquals(255, icon.getRGB(128, 250 - 12) >>> 24, "inside is opaque");
    }
}
