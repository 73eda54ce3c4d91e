/**
 * Turns a session's event stream (live or read back from a recording) into files for people and tools:
 * per-step and per-lane CSV, quality/memory/budget charts as PNG and SVG, a self-contained HTML report,
 * sweep tables and charts, and a progress bar that writes to stderr only.
 *
 * <p>Charts are drawn with AWT JFreeChart in headless mode; this package never touches JavaFX.
 */
package dev.kvlens.inference.report;
