package dev.kvlens.inference.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ChannelPrunedHeadStoreTest {

    private static final int D = 5;

    private static DenseHeadStore dense(float[][] keys, float[][] values) {
        DenseHeadStore store = new DenseHeadStore(D);
        for (int i = 0; i < keys.length; i++) {
            store.append(3 * i, keys[i], 0, values[i], 0);
        }
        return store;
    }

    @Test
    void scoresAndOutputsEqualADenseCacheWithZeroedChannels() {
        Random random = new Random(11);
        int m = 5;
        float[][] keys = new float[m][D];
        float[][] values = new float[m][D];
        for (int i = 0; i < m; i++) {
            for (int c = 0; c < D; c++) {
                keys[i][c] = (float) random.nextGaussian();
                values[i][c] = (float) random.nextGaussian();
            }
        }
        int[] kept = {0, 2, 3};
        ChannelPrunedHeadStore pruned = new ChannelPrunedHeadStore(dense(keys, values), kept, 3);
        // The reference: entries 0..2 with channels 1 and 4 set to zero, entries 3, 4 whole.
        float[][] zeroed = new float[m][];
        for (int i = 0; i < m; i++) {
            zeroed[i] = keys[i].clone();
            if (i < 3) {
                zeroed[i][1] = 0;
                zeroed[i][4] = 0;
            }
        }
        DenseHeadStore reference = dense(zeroed, values);
        float[] query = new float[D + 2];
        for (int c = 0; c < query.length; c++) {
            query[c] = (float) random.nextGaussian();
        }
        float scale = (float) (1 / Math.sqrt(D)); // the full d, not the kept width
        float[] got = new float[m];
        float[] want = new float[m];
        pruned.scores(query, 2, scale, got);
        reference.scores(query, 2, scale, want);
        assertArrayEquals(want, got, 1e-6f);
        float[] weights = {0.1f, 0.2f, 0.3f, 0.15f, 0.25f};
        float[] outGot = new float[D];
        float[] outWant = new float[D];
        pruned.accumulate(weights, outGot, 0);
        reference.accumulate(weights, outWant, 0);
        assertArrayEquals(outWant, outGot, 1e-6f);
        float[] k = new float[D];
        pruned.readKey(1, k, 0);
        assertArrayEquals(zeroed[1], k);
        pruned.readKey(4, k, 0);
        assertArrayEquals(keys[4], k);
        assertEquals(6, pruned.position(2));
        // Bytes by hand: pruned keys 3 entries * 3 channels * 4 = 36, whole keys 2 * 5 * 4 = 40, values 5*5*4 = 100,
        // positions 5*4 = 20, channel table 3*4 = 12: 208. Dense: keys + values 200, positions 20 = 220;
        // saved 3 entries * (5 - 3) channels * 4 bytes = 24, less the 12-byte table.
        assertEquals(208, pruned.bytes());
        DenseHeadStore trimmed = dense(keys, values);
        trimmed.trimToSize();
        assertEquals(trimmed.bytes() - 3 * (D - 3) * 4 + 3 * 4, pruned.bytes());
    }

    @Test
    void evictionAndAppendsKeepTheSplit() {
        float[][] keys = new float[4][D];
        float[][] values = new float[4][D];
        for (int i = 0; i < 4; i++) {
            for (int c = 0; c < D; c++) {
                keys[i][c] = 10 * i + c;
                values[i][c] = -(10 * i + c);
            }
        }
        ChannelPrunedHeadStore store = new ChannelPrunedHeadStore(dense(keys, values), new int[] {1, 4}, 2);
        store.retain(new int[] {1, 3}); // one pruned, one whole
        assertEquals(2, store.size());
        assertEquals(1, store.prunedEntries());
        float[] k = new float[D];
        store.readKey(0, k, 0);
        assertArrayEquals(new float[] {0, 11, 0, 0, 14}, k);
        store.readKey(1, k, 0);
        assertArrayEquals(keys[3], k);
        store.append(20, new float[] {1, 2, 3, 4, 5}, 0, new float[] {5, 4, 3, 2, 1}, 0);
        store.readKey(2, k, 0);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5}, k); // generated entries stay whole
        store.readValue(0, k, 0);
        assertArrayEquals(values[1], k);
        store.trimToSize();
        // pruned 1*2*4 = 8, whole 2*5*4 = 40, values 3*5*4 = 60, positions 12, table 8: 128.
        assertEquals(128, store.bytes());
        assertThrows(IllegalArgumentException.class, () -> store.append(20, k, 0, k, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new ChannelPrunedHeadStore(dense(keys, values), new int[] {3, 1}, 2));
    }
}
