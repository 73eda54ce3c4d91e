package dev.kvlens.inference.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kvlens.inference.policy.FullKvPolicy;
import dev.kvlens.inference.policy.PolicyCache;
import org.junit.jupiter.api.Test;

/** The view a sharing layer attends through: hand-made entries of a 2-layer, 1-KV-head cache, d = 2. */
class SharedLayerHeadStoreTest {

    /** Layer 0 holds positions 0..2 with key (p, 1) and value (10 p, -p). */
    private static PolicyCache cacheWithSource() {
        PolicyCache cache = new PolicyCache(2, 1, 2, FullKvPolicy.create());
        for (int p = 0; p < 3; p++) {
            cache.head(0, 0).append(p, new float[] {p, 1}, 0, new float[] {10 * p, -p}, 0);
        }
        return cache;
    }

    private static int[] positions(KvHeadStore s) {
        int[] p = new int[s.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = s.position(i);
        }
        return p;
    }

    @Test
    void showsOnlyTheSourceEntriesUpToTheLastAppendedPosition() {
        // the forward pass runs a chunk layer by layer: layer 0 already holds 0..2 when layer 1 is at 0
        PolicyCache cache = cacheWithSource();
        SharedLayerHeadStore view = new SharedLayerHeadStore(cache, 0, 0);
        assertEquals(0, view.size());
        view.append(0, new float[2], 0, new float[2], 0);
        assertEquals(1, view.size());

        // query (1, 2), scale 0.5: entry 0 scores 0.5 * (1*0 + 2*1) = 1; out[1] must stay untouched
        float[] out = {-7, -7, -7};
        view.scores(new float[] {1, 2}, 0, 0.5f, out);
        assertArrayEquals(new float[] {1, -7, -7}, out);

        view.append(1, new float[2], 0, new float[2], 0);
        assertArrayEquals(new int[] {0, 1}, positions(view));
        // entry 1 scores 0.5 * (1*1 + 2*1) = 1.5
        view.scores(new float[] {1, 2}, 0, 0.5f, out);
        assertArrayEquals(new float[] {1, 1.5f, -7}, out);
        // weights (0.25, 0.75) over values (0, 0) and (10, -1): (7.5, -0.75) added to (1, 1) at offset 1
        float[] acc = {9, 1, 1};
        view.accumulate(new float[] {0.25f, 0.75f, 99f}, acc, 1); // weight 99 lies past the visible entries
        assertArrayEquals(new float[] {9, 8.5f, 0.25f}, acc, 1e-6f);

        view.append(2, new float[2], 0, new float[2], 0);
        assertEquals(3, view.size());
        float[] key = new float[2];
        float[] value = new float[2];
        view.readKey(2, key, 0);
        view.readValue(2, value, 0);
        assertArrayEquals(new float[] {2, 1}, key);
        assertArrayEquals(new float[] {20, -2}, value);
    }

    @Test
    void refusesPositionsTheSourceDoesNotHoldOrOutOfOrder() {
        PolicyCache cache = cacheWithSource();
        SharedLayerHeadStore view = new SharedLayerHeadStore(cache, 0, 0);
        assertThrows(IllegalStateException.class, () -> view.append(3, new float[2], 0, new float[2], 0));
        view.append(1, new float[2], 0, new float[2], 0);
        assertThrows(IllegalArgumentException.class, () -> view.append(1, new float[2], 0, new float[2], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> view.readKey(2, new float[2], 0));
    }

    @Test
    void holdsAConstantFewBytesAndIgnoresRetain() {
        PolicyCache cache = cacheWithSource();
        long sourceBytes = cache.head(0, 0).bytes();
        SharedLayerHeadStore view = new SharedLayerHeadStore(cache, 0, 0);
        for (int p = 0; p < 3; p++) {
            view.append(p, new float[2], 0, new float[2], 0);
        }
        assertEquals(SharedLayerHeadStore.BYTES, view.bytes());
        view.retain(new int[] {1});
        assertArrayEquals(new int[] {0, 1, 2}, positions(view));
        assertArrayEquals(new int[] {0, 1, 2}, positions(cache.head(0, 0)));
        assertEquals(sourceBytes, cache.head(0, 0).bytes());
    }

    @Test
    void seesEvictionsAndReplacementsOfTheSource() {
        PolicyCache cache = cacheWithSource();
        SharedLayerHeadStore view = new SharedLayerHeadStore(cache, 0, 0);
        cache.replace(1, 0, view);
        for (int p = 0; p < 3; p++) {
            view.append(p, new float[2], 0, new float[2], 0);
        }
        cache.retain(0, 0, new int[] {0, 2}, 2); // the source evicts position 1
        assertArrayEquals(new int[] {0, 2}, positions(view));
        float[] key = new float[2];
        view.readKey(1, key, 0);
        assertArrayEquals(new float[] {2, 1}, key);

        DenseHeadStore other = new DenseHeadStore(2);
        other.append(1, new float[] {4, 4}, 0, new float[] {4, 4}, 0);
        cache.replace(0, 0, other);
        assertArrayEquals(new int[] {1}, positions(view)); // the view looks its source up in the cache
    }

    @Test
    void refusesToReadAnotherView() {
        PolicyCache cache = cacheWithSource();
        cache.replace(1, 0, new SharedLayerHeadStore(cache, 0, 0));
        SharedLayerHeadStore chained = new SharedLayerHeadStore(cache, 1, 0);
        assertThrows(IllegalStateException.class, chained::size);
        assertThrows(IllegalArgumentException.class, () -> new SharedLayerHeadStore(cache, 2, 0));
    }
}
