package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;

/** A chart file is a real picture: it decodes, and a fair share of it differs from its background. */
final class ImageChecks {

    private ImageChecks() {
    }

    static void assertRealPng(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, png + " does not decode as an image");
        assertTrue(image.getWidth() >= 200 && image.getHeight() >= 150, png + " is only " + image.getWidth() + "x"
                + image.getHeight());
        int background = image.getRGB(0, 0);
        long differing = 0;
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                colours.add(rgb);
                if (rgb != background) {
                    differing++;
                }
            }
        }
        double share = (double) differing / ((long) image.getWidth() * image.getHeight());
        // Text, axes and data lines alone cover a few percent of a chart; a blank or one-colour image covers none.
        assertTrue(share > 0.01, png + ": only " + share + " of the pixels differ from the background");
        assertTrue(colours.size() >= 8, png + ": only " + colours.size() + " colours");
    }
}
