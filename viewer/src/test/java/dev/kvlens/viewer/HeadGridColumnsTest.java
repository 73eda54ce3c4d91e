package dev.kvlens.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.session.event.AttentionFrame;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The head grid's column maxima, read from a frame's positions or bins, against the plain way: spread
 * the frame over every position (bin weight / bin width), then take each column's largest value.
 */
class HeadGridColumnsTest {

    /** Independent scalar reference: dense per-position weights, then max per pixel column. */
    private static float[] reference(AttentionFrame f, int span, int stripW) {
        int fspan = f.step() + 1;
        float[] dense = new float[fspan];
        int[] pos = f.positions();
        float[] w = f.weights();
        for (int i = 0; i < pos.length; i++) {
            if (f.binned()) {
                int end = i + 1 < pos.length ? pos[i + 1] : fspan;
                for (int p = pos[i]; p < end; p++) {
                    dense[p] = w[i] / (end - pos[i]);
                }
            } else {
                dense[pos[i]] = w[i];
            }
        }
        float[] out = new float[stripW];
        for (int x = 0; x < stripW; x++) {
            int p0 = x * span / stripW, p1 = Math.max(p0 + 1, (x + 1) * span / stripW);
            if (p0 >= fspan) {
                out[x] = Float.NaN;
                continue;
            }
            for (int p = p0; p < Math.min(p1, fspan); p++) {
                out[x] = Math.max(out[x], dense[p]);
            }
        }
        return out;
    }

    private static AttentionFrame randomFrame(Random r, int step, boolean binned) {
        TreeSet<Integer> set = new TreeSet<>();
        set.add(0);
        int want = binned ? 1 + r.nextInt(Math.min(64, step + 1)) : 1 + r.nextInt(step + 1);
        while (set.size() < want) {
            set.add(r.nextInt(step + 1));
        }
        int[] pos = set.stream().mapToInt(Integer::intValue).toArray();
        float[] w = new float[pos.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextFloat();
        }
        return new AttentionFrame(1, step, 0, 0, binned, pos, w);
    }

    @Test
    void columnMaximaMatchTheDenseReference() {
        Random r = new Random(7);
        for (int trial = 0; trial < 400; trial++) {
            boolean binned = trial % 2 == 0;
            int step = r.nextInt(3000);
            int span = step + 1 + (trial % 3 == 0 ? r.nextInt(50) : 0); // other heads may be further on
            int stripW = 1 + r.nextInt(400);
            AttentionFrame f = randomFrame(r, step, binned);
            float[] want = reference(f, span, stripW);
            float[] got = new float[stripW];
            float max = HeadGridView.columnMaxima(f, span, stripW, got);
            float wantMax = 0;
            for (int x = 0; x < stripW; x++) {
                assertEquals(want[x], got[x], 0f, "trial " + trial + " column " + x);
                if (!Float.isNaN(want[x])) {
                    wantMax = Math.max(wantMax, want[x]);
                }
            }
            assertEquals(wantMax, max, 0f, "trial " + trial);
        }
    }

    @Test
    void premultiplyScalesColourByAlpha() {
        // Hand-worked: 50% grey-red at alpha 0x80 (128/255).
        assertEquals(0x80400000, HeadGridView.premultiply(0x80800000));
        assertEquals(0xFF123456, HeadGridView.premultiply(0xFF123456));
        assertEquals(0, HeadGridView.premultiply(0x00FFFFFF));
        assertTrue(HeadGridView.premultiply(0x59FF8000) == ((0x59 << 24) | (0x59 << 16) | (0x2C << 8)));
    }
}
