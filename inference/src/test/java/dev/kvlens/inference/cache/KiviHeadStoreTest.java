package dev.kvlens.inference.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class KiviHeadStoreTest {

    /** fp16(1/3) = 1365/4096: the scale of a 2-bit group spanning exactly 1. */
    private static final float THIRD = 1365f / 4096f;

    /**
     * d = 4, G = 2 (keys: 2 entries a group; values: 2 channels a group), R = 2, 2 bits, 5 entries.
     * key_t = (t, -t, t/2, 1), value_t = (t, t+1, 2, 2).
     */
    private static KiviHeadStore fiveEntries() {
        KiviHeadStore store = new KiviHeadStore(4, new KiviSettings(2, 2, 2, 2));
        for (int t = 0; t < 5; t++) {
            store.append(10 + t, new float[] {t, -t, t / 2f, 1f}, 0, new float[] {t, t + 1f, 2f, 2f}, 0);
        }
        return store;
    }

    @Test
    void fiveEntriesHandWorked() {
        KiviHeadStore store = fiveEntries();
        // Keys: the buffer fills at 2 (entries 0,1) and at 4 (entries 2,3): 4 quantised in 2 groups, entry 4
        // full precision (= n - n mod R = 5 - 1). Values: the last R = 2 stay full precision: 0, 1, 2 quantised.
        assertEquals(5, store.size());
        assertEquals(4, store.quantisedKeys());
        assertEquals(2, store.keyGroups());
        assertEquals(3, store.quantisedValues());
        assertEquals(12, store.position(2));

        float[] k = new float[4];
        // Entry 1 in group {0, 1}: channel 0 spans [0, 1] -> scale 1365/4096, code 3 -> 4095/4096;
        // channel 1 spans [-1, 0], entry 1 is the min -> code 0 -> -1; channel 2 spans [0, 0.5]:
        // scale fp16(1/6) = 1365/8192, code 3 -> 4095/8192; channel 3 is constant 1 -> scale 0 -> 1.
        store.readKey(1, k, 0);
        assertArrayEquals(new float[] {4095f / 4096f, -1f, 4095f / 8192f, 1f}, k);
        // Entry 0: channel 1 = 0 is the max of [-1, 0]: code 3 -> -1 + 4095/4096 = -1/4096.
        store.readKey(0, k, 0);
        assertArrayEquals(new float[] {0f, -1f / 4096f, 0f, 1f}, k);
        // Entry 3 in group {2, 3}: channel 0 spans [2, 3] -> 2 + 4095/4096.
        store.readKey(3, k, 0);
        assertEquals(2f + 4095f / 4096f, k[0]);
        store.readKey(4, k, 0);
        assertArrayEquals(new float[] {4f, -4f, 2f, 1f}, k); // full precision

        float[] v = new float[4];
        // Value 2 = (2, 3, 2, 2): group (2, 3) -> 2 + 3 * THIRD; group (2, 2) constant -> 2.
        store.readValue(2, v, 0);
        assertArrayEquals(new float[] {2f, 2f + 3 * THIRD, 2f, 2f}, v);
        store.readValue(3, v, 0);
        assertArrayEquals(new float[] {3f, 4f, 2f, 2f}, v); // full precision

        // Bytes after trimming, by hand: positions 5*4 = 20; key groups 2 * (4 first-entry bytes + 4 channels *
        // (scale + min) * 2 bytes) = 2 * (4 + 16) = 40; key codes 4 entries * 4 channels * 2 bits = 32 bits = 1 int
        // = 4; residual keys 1 * 4 * 4 = 16; value codes 3 * 4 * 2 = 24 bits -> 1 int = 4; value scales 3 entries *
        // 2 groups * 2 * 2 bytes = 24; residual values 2 * 4 * 4 = 32. Total 140.
        store.trimToSize();
        assertEquals(140, store.bytes());
    }

    @Test
    void evictionKeepsSurvivorsExactlyAndFreesTheirCodes() {
        KiviHeadStore store = fiveEntries();
        float[][] keysBefore = new float[5][4];
        float[][] valuesBefore = new float[5][4];
        for (int i = 0; i < 5; i++) {
            store.readKey(i, keysBefore[i], 0);
            store.readValue(i, valuesBefore[i], 0);
        }
        store.retain(new int[] {0, 2, 3, 4}); // evict entry 1: from key group {0,1} and a quantised value
        assertEquals(4, store.size());
        assertEquals(3, store.quantisedKeys()); // group {0} (1 left) and {2, 3}
        assertEquals(2, store.keyGroups());
        assertEquals(2, store.quantisedValues());
        int[] from = {0, 2, 3, 4};
        float[] k = new float[4];
        float[] v = new float[4];
        for (int s = 0; s < 4; s++) {
            store.readKey(s, k, 0);
            store.readValue(s, v, 0);
            assertArrayEquals(keysBefore[from[s]], k, "key " + s); // survivors keep their group's scales
            assertArrayEquals(valuesBefore[from[s]], v, "value " + s);
            assertEquals(10 + from[s], store.position(s));
        }
        // positions 16 + key groups 2 * 20 + key codes 3*4*2 = 24 bits -> 4 + residual key 16 + value codes
        // 2*4*2 = 16 bits -> 4 + value scales 2*2*2*2 = 16 + residual values 32 = 128.
        assertEquals(128, store.bytes());

        // Appending goes on by the same rule: the key buffer (entry at 14) fills with 15 -> a third group.
        store.append(15, new float[] {5, -5, 2.5f, 1}, 0, new float[] {5, 6, 2, 2}, 0);
        assertEquals(5, store.quantisedKeys());
        assertEquals(3, store.keyGroups());
        assertEquals(3, store.quantisedValues()); // entry at 13 left the last two
        store.append(16, new float[] {6, -6, 3, 1}, 0, new float[] {6, 7, 2, 2}, 0);
        assertEquals(5, store.quantisedKeys());
        assertEquals(4, store.quantisedValues());
        store.readKey(0, k, 0);
        assertArrayEquals(keysBefore[0], k);
    }

    @Test
    void mixedCacheAttentionMatchesAnIndependentDequantisation() {
        for (int bits : new int[] {2, 4}) {
            int d = 8;
            int g = 4;
            int r = 8;
            int n = 21;
            Random random = new Random(7 + bits);
            float[][] keys = new float[n][d];
            float[][] values = new float[n][d];
            KiviHeadStore store = new KiviHeadStore(d, new KiviSettings(bits, g, g, r));
            for (int t = 0; t < n; t++) {
                for (int c = 0; c < d; c++) {
                    keys[t][c] = (float) random.nextGaussian() * (c == 3 ? 8 : 1); // an outlier channel
                    values[t][c] = (float) random.nextGaussian();
                }
                store.append(t, keys[t], 0, values[t], 0);
            }
            // The paper's after-prefill rule: keys n - n mod R = 16, values n - R = 13.
            assertEquals(16, store.quantisedKeys());
            assertEquals(13, store.quantisedValues());
            float[][] expectedKeys = new float[n][];
            float[][] expectedValues = new float[n][];
            for (int t = 0; t < n; t++) {
                expectedKeys[t] = keys[t].clone();
                expectedValues[t] = values[t].clone();
            }
            for (int first = 0; first < 16; first += g) { // keys: per channel over g entries
                for (int c = 0; c < d; c++) {
                    float[] group = new float[g];
                    for (int t = 0; t < g; t++) {
                        group[t] = keys[first + t][c];
                    }
                    float[] q = reference(group, bits);
                    for (int t = 0; t < g; t++) {
                        expectedKeys[first + t][c] = q[t];
                    }
                }
            }
            for (int t = 0; t < 13; t++) { // values: per entry over g channels
                for (int c0 = 0; c0 < d; c0 += g) {
                    float[] q = reference(java.util.Arrays.copyOfRange(values[t], c0, c0 + g), bits);
                    System.arraycopy(q, 0, expectedValues[t], c0, g);
                }
            }
            float[] k = new float[d];
            for (int t = 0; t < n; t++) {
                store.readKey(t, k, 0);
                assertArrayEquals(expectedKeys[t], k, bits + "-bit key " + t);
                store.readValue(t, k, 0);
                assertArrayEquals(expectedValues[t], k, bits + "-bit value " + t);
            }
            float[] query = new float[d + 3];
            float[] weights = new float[n];
            for (int c = 0; c < query.length; c++) {
                query[c] = (float) random.nextGaussian();
            }
            for (int t = 0; t < n; t++) {
                weights[t] = random.nextFloat();
            }
            float scale = (float) (1 / Math.sqrt(d));
            float[] scores = new float[n];
            store.scores(query, 3, scale, scores);
            float[] out = new float[d + 2];
            store.accumulate(weights, out, 2);
            for (int t = 0; t < n; t++) {
                double dot = 0;
                for (int c = 0; c < d; c++) {
                    dot += query[3 + c] * expectedKeys[t][c];
                }
                assertEquals(scale * dot, scores[t], 2e-5 * (1 + Math.abs(dot)), "score " + t);
            }
            for (int c = 0; c < d; c++) {
                double sum = 0;
                for (int t = 0; t < n; t++) {
                    sum += weights[t] * expectedValues[t][c];
                }
                assertEquals(sum, out[2 + c], 1e-4, "output channel " + c);
            }
            // Bytes: positions 21*4 + key groups 4*(4 + 8*2*2) + key codes 16*8*b/32 ints + residual keys 5*8*4
            // + value codes ceil(13*8*b/32) ints + value scales 13*2*2*2 + residual values 8*8*4.
            store.trimToSize();
            long expected = 21 * 4 + 4 * (4 + 8 * 2 * 2) + 4L * ((16 * 8 * bits + 31) / 32) + 5 * 8 * 4
                    + 4L * ((13 * 8 * bits + 31) / 32) + 13 * 2 * 2 * 2 + 8 * 8 * 4;
            assertEquals(expected, store.bytes());
        }
    }

    /** The formulas of POLICIES.md 14 written out once more, scalar, with fp16 scale and minimum. */
    private static float[] reference(float[] group, int bits) {
        float mn = Float.POSITIVE_INFINITY;
        float mx = Float.NEGATIVE_INFINITY;
        for (float x : group) {
            mn = Math.min(mn, x);
            mx = Math.max(mx, x);
        }
        float mn16 = Float.float16ToFloat(Float.floatToFloat16(mn));
        float mx16 = Float.float16ToFloat(Float.floatToFloat16(mx));
        int levels = (1 << bits) - 1;
        float scale = Float.float16ToFloat(Float.floatToFloat16((mx16 - mn16) / levels));
        float[] out = new float[group.length];
        for (int i = 0; i < group.length; i++) {
            if (scale == 0) {
                out[i] = mn16;
            } else {
                double c = Math.rint(Math.min(Math.max((group[i] - mn16) / scale, 0), levels));
                out[i] = (float) c * scale + mn16;
            }
        }
        return out;
    }

    @Test
    void badSettingsAndOrderAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new KiviSettings(3, 32, 32, 128));
        assertThrows(IllegalArgumentException.class, () -> new KiviSettings(2, 32, 32, 48));
        assertThrows(IllegalArgumentException.class, () -> new KiviHeadStore(6, new KiviSettings(2, 4, 4, 8)));
        KiviHeadStore store = fiveEntries();
        assertThrows(IllegalArgumentException.class, () -> store.append(14, new float[4], 0, new float[4], 0));
        assertThrows(IllegalArgumentException.class, () -> store.retain(new int[] {2, 1}));
        assertThrows(IndexOutOfBoundsException.class, () -> store.readKey(5, new float[4], 0));
    }
}
