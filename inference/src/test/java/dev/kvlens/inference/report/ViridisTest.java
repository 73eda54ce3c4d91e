package dev.kvlens.inference.report;

import org.junit.jupiter.api.Test;

import java.awt.Color;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ViridisTest {

    @Test
    void matchesMatplotlibAtTheEndsAndTheMiddle() {
        // matplotlib's viridis: 0 -> #440154, 0.5 -> #21918C (within rounding), 1 -> #FDE725.
        assertEquals(new Color(0x440154), Viridis.at(0));
        assertEquals(new Color(0xFDE725), Viridis.at(1));
        Color mid = Viridis.at(0.5);
        assertTrue(Math.abs(mid.getRed() - 0x21) <= 2 && Math.abs(mid.getGreen() - 0x91) <= 2
                && Math.abs(mid.getBlue() - 0x8C) <= 2, mid.toString());
    }

    @Test
    void brightnessRisesMonotonically() {
        double last = -1;
        for (int i = 0; i <= 100; i++) {
            double b = Viridis.brightness(Viridis.at(i / 100.0));
            assertTrue(b > last, "not monotonic at " + i);
            last = b;
        }
    }

    @Test
    void paintScaleMapsItsBoundsToTheEnds() {
        ViridisPaintScale scale = new ViridisPaintScale(0, 40);
        assertEquals(new Color(0x440154), scale.getPaint(0));
        assertEquals(new Color(0xFDE725), scale.getPaint(40));
        assertEquals(new Color(0xFDE725), scale.getPaint(99), "clamped above");
    }
}
