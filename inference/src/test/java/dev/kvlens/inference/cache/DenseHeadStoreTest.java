package dev.kvlens.inference.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DenseHeadStoreTest {

    @Test
    void scoresAndValuesByHand() {
        DenseHeadStore store = new DenseHeadStore(2, 1);
        store.append(0, new float[] {1, 0}, 0, new float[] {10, 20}, 0);
        store.append(3, new float[] {0, 1}, 0, new float[] {30, 40}, 0);
        store.append(7, new float[] {9, 1, 2}, 1, new float[] {0, 50, 60}, 1); // offsets honoured
        assertEquals(3, store.size());
        assertEquals(7, store.position(2));

        float[] scores = new float[3];
        store.scores(new float[] {2, 3}, 0, 0.5f, scores);
        assertArrayEquals(new float[] {1f, 1.5f, 4f}, scores);

        float[] out = {1, 1};
        store.accumulate(new float[] {0.5f, 0.25f, 0.25f}, out, 0);
        // 1 + 0.5*10 + 0.25*30 + 0.25*50 = 26, 1 + 0.5*20 + 0.25*40 + 0.25*60 = 36
        assertArrayEquals(new float[] {26f, 36f}, out);

        float[] key = new float[2];
        store.readKey(2, key, 0);
        assertArrayEquals(new float[] {1, 2}, key);
    }

    @Test
    void positionsMustIncrease() {
        DenseHeadStore store = new DenseHeadStore(1);
        store.append(5, new float[] {1}, 0, new float[] {1}, 0);
        assertThrows(IllegalArgumentException.class, () -> store.append(5, new float[] {1}, 0, new float[] {1}, 0));
    }

    @Test
    void bytesAreTheBackingArrays() {
        DenseHeadStore store = new DenseHeadStore(4, 2);
        // capacity 2: keys 8 floats, values 8 floats, 2 positions
        assertEquals(8 * 4 + 8 * 4 + 2 * 4, store.bytes());
        for (int p = 0; p < 3; p++) {
            store.append(p, new float[4], 0, new float[4], 0);
        }
        // grown from 2 to 2 + 2/4 + 16 = 18 entries
        assertEquals(18 * 4 * 4 + 18 * 4 * 4 + 18 * 4, store.bytes());
    }

    @Test
    void retainKeepsTheChosenEntriesAndFreesTheRest() {
        DenseHeadStore store = new DenseHeadStore(2);
        for (int p = 0; p < 10; p++) {
            store.append(p * 3, new float[] {p, -p}, 0, new float[] {10 * p, 0}, 0);
        }
        store.retain(new int[] {0, 4, 9});
        assertEquals(3, store.size());
        assertEquals(12, store.position(1));
        float[] v = new float[2];
        store.readValue(2, v, 0);
        assertArrayEquals(new float[] {90, 0}, v);
        // exactly 3 entries held: 3*2 key floats, 3*2 value floats, 3 positions
        assertEquals(3 * 2 * 4 + 3 * 2 * 4 + 3 * 4, store.bytes());
        store.append(40, new float[] {1, 1}, 0, new float[] {1, 1}, 0);
        assertEquals(4, store.size());
        assertThrows(IllegalArgumentException.class, () -> store.retain(new int[] {2, 1}));
        assertThrows(IllegalArgumentException.class, () -> store.retain(new int[] {4}));
    }

    @Test
    void trimToSizeCountsOnlyHeldEntries() {
        DenseHeadStore store = new DenseHeadStore(4);
        for (int p = 0; p < 17; p++) {
            store.append(p, new float[4], 0, new float[4], 0);
        }
        store.trimToSize();
        assertEquals(17 * (4 + 4 + 1) * 4, store.bytes());
    }
}
