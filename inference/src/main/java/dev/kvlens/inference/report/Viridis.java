package dev.kvlens.inference.report;

import java.awt.Color;

/**
 * The viridis colour map (perceptually uniform, readable in grey and by colour-blind readers): matplotlib's
 * values at nine evenly spaced stops, linear in sRGB between them.
 */
final class Viridis {

    private static final int[] STOPS = {0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21908C, 0x27AD81, 0x5DC863,
            0xAADC32, 0xFDE725};

    private Viridis() {
    }

    /** The colour at {@code t} in [0, 1] (clamped; NaN gives the lowest colour). */
    static Color at(double t) {
        double x = Double.isNaN(t) ? 0 : Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
        int i = Math.min((int) x, STOPS.length - 2);
        double f = x - i;
        int a = STOPS[i];
        int b = STOPS[i + 1];
        return new Color(mix(a >> 16, b >> 16, f), mix(a >> 8, b >> 8, f), mix(a, b, f));
    }

    /** Relative luminance-ish brightness in [0, 1], to pick black or white text on a cell. */
    static double brightness(Color c) {
        return (0.2126 * c.getRed() + 0.7152 * c.getGreen() + 0.0722 * c.getBlue()) / 255.0;
    }

    private static int mix(int a, int b, double f) {
        return (int) Math.round((a & 0xFF) * (1 - f) + (b & 0xFF) * f);
    }
}
