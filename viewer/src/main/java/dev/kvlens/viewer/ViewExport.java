package dev.kvlens.viewer;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.Node;
import javafx.scene.SnapshotParameters;
import javafx.scene.image.WritableImage;
import javafx.scene.paint.Color;
import javafx.scene.transform.Transform;
import javax.imageio.ImageIO;

/**
 * Writes views to files: any node as PNG at 1-4x (a snapshot with a scale transform, so text and
 * lines are re-rendered at the higher resolution rather than enlarged), charts as SVG. Snapshots
 * must be taken on the FX thread. Files are written to a temporary sibling and moved into place.
 */
public final class ViewExport {

    private ViewExport() {
    }

    /** The node rendered at {@code scale} (1 to 4) times its size; transparent areas filled with {@code background}. */
    public static BufferedImage snapshot(Node node, double scale, Color background) {
        if (!(scale >= 1 && scale <= 4)) {
            throw new IllegalArgumentException("export scale must be between 1 and 4, got " + scale);
        }
        SnapshotParameters p = new SnapshotParameters();
        p.setTransform(Transform.scale(scale, scale));
        p.setFill(background);
        WritableImage img = node.snapshot(p, null);
        return SwingFXUtils.fromFXImage(img, null);
    }

    /** PNG of {@code node} at {@code scale}; the background is the node's own (opaque white if none). */
    public static void writePng(Node node, double scale, Path file) throws IOException {
        write(file, tmp -> {
            if (!ImageIO.write(snapshot(node, scale, Color.WHITE), "png", tmp.toFile())) {
                throw new IOException("no PNG writer available");
            }
        });
    }

    /** SVG of a chart view at the given size in pixels. */
    public static void writeSvg(LaneChartView chart, int width, int height, Path file) throws IOException {
        String svg = chart.toSvg(width, height);
        write(file, tmp -> Files.writeString(tmp, svg, StandardCharsets.UTF_8));
    }

    private interface Writer {
        void to(Path tmp) throws IOException;
    }

    private static void write(Path file, Writer w) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, abs.getFileName().toString(), ".part");
        try {
            w.to(tmp);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
