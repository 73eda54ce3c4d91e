package dev.kvlens.inference.report;

import org.jfree.chart.JFreeChart;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a JFreeChart as PNG (headless AWT) and SVG (JFreeSVG) side by side. */
final class ChartFiles {

    /** PNGs are drawn at this multiple of the nominal size so text stays sharp on high-density screens. */
    static final int PNG_SCALE = 2;

    private ChartFiles() {
    }

    /**
     * Charts are drawn into images, never onto a screen: keeps AWT from looking for a display. Called before
     * any chart object exists, since AWT decides once; an explicit -Djava.awt.headless=false is respected.
     */
    static void ensureHeadless() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** Writes {@code dir/name.png} and {@code dir/name.svg}. */
    static ChartImage write(JFreeChart chart, String title, Path dir, String name, int width, int height)
            throws IOException {
        Path png = dir.resolve(name + ".png");
        Path svg = dir.resolve(name + ".svg");
        BufferedImage image = new BufferedImage(width * PNG_SCALE, height * PNG_SCALE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.scale(PNG_SCALE, PNG_SCALE);
            chart.draw(g, new Rectangle2D.Double(0, 0, width, height));
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(image, "png", png.toFile())) {
            throw new IOException("no PNG writer available for " + png);
        }
        SVGGraphics2D svgGraphics = new SVGGraphics2D(width, height);
        chart.draw(svgGraphics, new Rectangle2D.Double(0, 0, width, height));
        // No DOCTYPE: an XML reader must never be tempted to fetch the SVG 1.0 DTD from the network.
        String element = svgGraphics.getSVGElement(null, true, new ViewBox(0, 0, width, height), null, null);
        Files.writeString(svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + element + "\n",
                StandardCharsets.UTF_8);
        return new ChartImage(title, png, svg, width, height);
    }
}
