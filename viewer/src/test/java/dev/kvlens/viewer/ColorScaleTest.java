package dev.kvlens.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ColorScaleTest {

    private static int rgb(int argb) {
        return argb & 0xFFFFFF;
    }

    @Test
    void publishedEndpoints() {
        // matplotlib's viridis/magma/cividis and ColorBrewer RdBu ends.
        assertEquals(0x440154, rgb(ColorScale.VIRIDIS.argb(0)));
        assertEquals(0xFDE725, rgb(ColorScale.VIRIDIS.argb(1)));
        assertEquals(0x000004, rgb(ColorScale.MAGMA.argb(0)));
        assertEquals(0xFCFDBF, rgb(ColorScale.MAGMA.argb(1)));
        assertEquals(0x00204D, rgb(ColorScale.CIVIDIS.argb(0)));
        assertEquals(0xFFEA46, rgb(ColorScale.CIVIDIS.argb(1)));
        assertEquals(0x053061, rgb(ColorScale.BLUE_WHITE_RED.argb(0)));
        assertEquals(0x67001F, rgb(ColorScale.BLUE_WHITE_RED.argb(1)));
    }

    @Test
    void viridisMidpointIsThePublishedTeal() {
        // viridis(0.5) = #21918C (matplotlib's 256-entry table, entry 128); allow 3 per channel.
        int c = ColorScale.VIRIDIS.argb(0.5);
        assertEquals(0x21, (c >> 16) & 0xFF, 3);
        assertEquals(0x91, (c >> 8) & 0xFF, 3);
        assertEquals(0x8C, c & 0xFF, 3);
    }

    @Test
    void divergingMiddleIsNeutral() {
        // The table's entry nearest 0.5 (128 of 255) sits just past the #F7F7F7 anchor.
        int c = ColorScale.BLUE_WHITE_RED.argb(0.5);
        assertEquals(0xF7, (c >> 16) & 0xFF, 2);
        assertEquals(0xF7, (c >> 8) & 0xFF, 2);
        assertEquals(0xF7, c & 0xFF, 2);
        assertTrue(ColorScale.BLUE_WHITE_RED.diverging());
        assertFalse(ColorScale.VIRIDIS.diverging());
    }

    /** WCAG relative luminance, computed here from scratch. */
    private static double luminance(int argb) {
        double[] ch = {((argb >> 16) & 0xFF) / 255.0, ((argb >> 8) & 0xFF) / 255.0, (argb & 0xFF) / 255.0};
        for (int i = 0; i < 3; i++) {
            ch[i] = ch[i] <= 0.04045 ? ch[i] / 12.92 : Math.pow((ch[i] + 0.055) / 1.055, 2.4);
        }
        return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
    }

    @Test
    void sequentialScalesGetLighterMonotonically() {
        for (ColorScale s : new ColorScale[] {ColorScale.VIRIDIS, ColorScale.MAGMA, ColorScale.CIVIDIS}) {
            double prev = -1;
            for (int i = 0; i <= 100; i++) {
                double l = luminance(s.argb(i / 100.0));
                assertTrue(l >= prev - 1e-3, s + " lightness drops at " + i + "%");
                prev = l;
            }
        }
    }

    @Test
    void divergingLightnessPeaksInTheMiddle() {
        double mid = luminance(ColorScale.BLUE_WHITE_RED.argb(0.5));
        for (int i = 0; i <= 100; i += 5) {
            assertTrue(luminance(ColorScale.BLUE_WHITE_RED.argb(i / 100.0)) <= mid + 1e-9);
        }
        assertTrue(luminance(ColorScale.BLUE_WHITE_RED.argb(0.1)) < luminance(ColorScale.BLUE_WHITE_RED.argb(0.3)));
        assertTrue(luminance(ColorScale.BLUE_WHITE_RED.argb(0.9)) < luminance(ColorScale.BLUE_WHITE_RED.argb(0.7)));
    }

    @Test
    void clampsAndNaN() {
        assertEquals(ColorScale.VIRIDIS.argb(0), ColorScale.VIRIDIS.argb(-3));
        assertEquals(ColorScale.VIRIDIS.argb(1), ColorScale.VIRIDIS.argb(7));
        assertEquals(0, ColorScale.VIRIDIS.argb(Double.NaN));
    }

    @Test
    void textContrastChoice() {
        assertTrue(ColorScale.prefersDarkText(0xFFFDE725));  // yellow: black text
        assertFalse(ColorScale.prefersDarkText(0xFF440154)); // dark purple: white text
    }
}
