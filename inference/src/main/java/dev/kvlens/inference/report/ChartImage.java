package dev.kvlens.inference.report;

import java.nio.file.Path;

/**
 * A chart written to disk in both formats.
 *
 * @param title  what the chart shows (also the HTML caption)
 * @param png    the raster file (drawn at twice the nominal size for sharp text)
 * @param svg    the vector file
 * @param width  nominal width in CSS pixels
 * @param height nominal height in CSS pixels
 */
public record ChartImage(String title, Path png, Path svg, int width, int height) {
}
