package dev.kvlens.installer;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * The KV Lens icon, drawn with Java2D: a causal attention map (lower triangle: a sink column plus a
 * recency band, the pattern the app shows most) under a magnifying lens. Drawn at build time, so the
 * icon needs no binary file in the repository and stays sharp at any size asked for.
 */
public final class IconPainter {

    private static final Color BACKGROUND = new Color(0x1d2330);
    private static final Color EMPTY_CELL = new Color(0x2a3142);
    private static final Color LENS_RIM = new Color(0xe9edf5);
    private static final int CELLS = 8;

    private IconPainter() {
    }

    /** Paints a {@code size} x {@code size} icon. */
    public static BufferedImage paint(int size) {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            double s = size / 256.0;
            g.setColor(BACKGROUND);
            g.fill(new RoundRectangle2D.Double(8 * s, 8 * s, 240 * s, 240 * s, 56 * s, 56 * s));
            paintAttention(g, 28 * s, 28 * s, 200 * s);
            paintLens(g, s);
        } finally {
            g.dispose();
        }
        return image;
    }

    /** Writes the icon as a PNG, creating the parent folder. */
    public static void write(Path png, int size) throws IOException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        if (!ImageIO.write(paint(size), "png", png.toFile())) {
            throw new IOException("no PNG writer in this JDK");
        }
    }

    /** Row q of a causal map: softmax over keys 0..q of a sink bonus on key 0 and a recency score. */
    static double[] attentionRow(int q) {
        double[] scores = new double[q + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k <= q; k++) {
            scores[k] = (k == 0 ? 2.0 : 0.0) - 0.9 * (q - k);
            max = Math.max(max, scores[k]);
        }
        double sum = 0;
        for (int k = 0; k <= q; k++) {
            scores[k] = Math.exp(scores[k] - max);
            sum += scores[k];
        }
        for (int k = 0; k <= q; k++) {
            scores[k] /= sum;
        }
        return scores;
    }

    private static void paintAttention(Graphics2D g, double x0, double y0, double extent) {
        double cell = extent / CELLS;
        double gap = Math.max(1, cell * 0.12);
        for (int q = 0; q < CELLS; q++) {
            double[] row = attentionRow(q);
            for (int k = 0; k < CELLS; k++) {
                g.setColor(k <= q ? heat(Math.sqrt(row[k])) : EMPTY_CELL);
                g.fill(new RoundRectangle2D.Double(x0 + k * cell + gap / 2, y0 + q * cell + gap / 2,
                        cell - gap, cell - gap, cell * 0.25, cell * 0.25));
            }
        }
    }

    /** Dark violet to orange to pale yellow, as weights go from 0 to 1 (an inferno-like ramp). */
    private static Color heat(double t) {
        double v = Math.clamp(t, 0.0, 1.0);
        Color[] stops = {new Color(0x3b0f70), new Color(0xb63679), new Color(0xfb8861), new Color(0xfcfdbf)};
        double pos = v * (stops.length - 1);
        int i = Math.min((int) pos, stops.length - 2);
        double f = pos - i;
        Color a = stops[i];
        Color b = stops[i + 1];
        return new Color((int) Math.round(a.getRed() + f * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + f * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + f * (b.getBlue() - a.getBlue())));
    }

    private static void paintLens(Graphics2D g, double s) {
        double cx = 150 * s;
        double cy = 104 * s;
        double r = 62 * s;
        g.setColor(new Color(255, 255, 255, 46));
        g.fill(new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r));
        g.setColor(new Color(0, 0, 0, 90));
        g.setStroke(new BasicStroke((float) (26 * s), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        double reach = r / Math.sqrt(2);
        g.draw(new Line2D.Double(cx + reach + 6 * s, cy + reach + 6 * s, 226 * s, 212 * s));
        g.setColor(LENS_RIM);
        g.setStroke(new BasicStroke((float) (20 * s), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(new Line2D.Double(cx + reach, cy + reach, 220 * s, 206 * s));
        g.setStroke(new BasicStroke((float) (12 * s)));
        g.draw(new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r));
    }
}
