package dev.kvlens.inference.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvlens.inference.policy.Ranking;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import org.junit.jupiter.api.Test;

/**
 * The bytes a cache reports are the bytes the JVM really holds for it: a large cache is filled,
 * then three quarters of every head are evicted, and the heap is measured around each step.
 */
class MeasuredMemoryTest {

    private static final int LAYERS = 8;
    private static final int KV_HEADS = 8;
    private static final int HEAD_DIM = 64;
    private static final int ENTRIES = 4096;

    @Test
    void reportedBytesMatchTheHeapForALargeCache() {
        long before = usedHeap();
        FullKvCache cache = new FullKvCache(LAYERS, KV_HEADS, HEAD_DIM);
        float[] k = new float[HEAD_DIM];
        float[] v = new float[HEAD_DIM];
        for (int p = 0; p < ENTRIES; p++) {
            k[0] = p;
            for (int l = 0; l < LAYERS; l++) {
                for (int g = 0; g < KV_HEADS; g++) {
                    cache.head(l, g).append(p, k, 0, v, 0);
                }
            }
        }
        for (int l = 0; l < LAYERS; l++) {
            for (int g = 0; g < KV_HEADS; g++) {
                cache.head(l, g).trimToSize();
            }
        }
        long full = usedHeap() - before;
        // 64 stores x 4096 entries x (64 + 64 floats + 1 int) = 135,266,304 bytes
        assertEquals(135_266_304L, cache.bytes());
        assertEquals(cache.bytes(), full, cache.bytes() * 0.02, "heap held by the full cache");

        int[] keep = Ranking.range(0, ENTRIES / 4);
        for (int l = 0; l < LAYERS; l++) {
            for (int g = 0; g < KV_HEADS; g++) {
                cache.head(l, g).retain(keep);
            }
        }
        long quarter = usedHeap() - before;
        assertEquals(135_266_304L / 4, cache.bytes());
        assertEquals(cache.bytes(), quarter, 135_266_304L * 0.02, "heap held after keeping 25%");
        assertEquals(ENTRIES / 4 - 1, cache.head(LAYERS - 1, KV_HEADS - 1).position(ENTRIES / 4 - 1));
    }

    /** Heap in use after collections have settled. */
    private static long usedHeap() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
