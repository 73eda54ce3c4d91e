package dev.kvlens.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @AfterAll
    static void restore() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void everyIndexExactlyOnceForManySizesAndThreadCounts() {
        for (int threads : new int[] {1, 2, 3, 5}) {
            Parallel.setThreads(threads);
            assertEquals(threads, Parallel.threads());
            for (int n : new int[] {0, 1, 2, 3, 7, 8, 63, 64, 65, 1000, 4097}) {
                for (int repeat = 0; repeat < 20; repeat++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, n));
                    Parallel.forRange(n, (start, end) -> {
                        assertTrue(start < end, "empty chunk");
                        for (int i = start; i < end; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "threads " + threads + " n " + n + " index " + i);
                    }
                }
            }
        }
    }

    @Test
    void workIsSharedAcrossThreads() {
        Parallel.setThreads(2);
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        for (int attempt = 0; attempt < 200 && seen.size() < 2; attempt++) {
            Parallel.forRange(64, (start, end) -> {
                seen.add(Thread.currentThread());
                long until = System.nanoTime() + 20_000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            });
        }
        assertEquals(2, seen.size(), "both the caller and the worker ran chunks");
        for (Thread t : seen) {
            assertTrue(t == Thread.currentThread() || t.isDaemon(), "workers are daemon threads");
        }
    }

    @Test
    void exceptionsPropagateAndThePoolStaysUsable() {
        Parallel.setThreads(2);
        for (int bad : new int[] {0, 500, 999}) {
            IllegalStateException boom = new IllegalStateException("boom at " + bad);
            IllegalStateException thrown = assertThrows(IllegalStateException.class,
                    () -> Parallel.forRange(1000, (start, end) -> {
                        if (start <= bad && bad < end) {
                            throw boom;
                        }
                    }));
            assertSame(boom, thrown);
        }
        AssertionError err = assertThrows(AssertionError.class,
                () -> Parallel.forRange(10, (s, e) -> {
                    throw new AssertionError("error too");
                }));
        assertEquals("error too", err.getMessage());
        AtomicIntegerArray hits = new AtomicIntegerArray(100);
        Parallel.forRange(100, (s, e) -> {
            for (int i = s; i < e; i++) {
                hits.incrementAndGet(i);
            }
        });
        for (int i = 0; i < 100; i++) {
            assertEquals(1, hits.get(i));
        }
    }

    @Test
    void nestedCallsRunInline() {
        Parallel.setThreads(2);
        AtomicIntegerArray hits = new AtomicIntegerArray(16 * 16);
        Parallel.forRange(16, (s, e) -> {
            for (int i = s; i < e; i++) {
                int row = i;
                Parallel.forRange(16, (s2, e2) -> {
                    for (int j = s2; j < e2; j++) {
                        hits.incrementAndGet(row * 16 + j);
                    }
                });
            }
        });
        for (int i = 0; i < 256; i++) {
            assertEquals(1, hits.get(i));
        }
    }

    @Test
    void concurrentCallersBothFinish() throws InterruptedException {
        Parallel.setThreads(2);
        AtomicIntegerArray hits = new AtomicIntegerArray(2 * 5000);
        Thread other = new Thread(() -> {
            for (int k = 0; k < 200; k++) {
                int base = 5000 + k * 25;
                Parallel.forRange(25, (s, e) -> {
                    for (int i = s; i < e; i++) {
                        hits.incrementAndGet(base + i);
                    }
                });
            }
        });
        other.start();
        for (int k = 0; k < 200; k++) {
            int base = k * 25;
            Parallel.forRange(25, (s, e) -> {
                for (int i = s; i < e; i++) {
                    hits.incrementAndGet(base + i);
                }
            });
        }
        other.join();
        for (int i = 0; i < 10000; i++) {
            assertEquals(1, hits.get(i), "index " + i);
        }
    }

    @Test
    void rejectsZeroThreads() {
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
    }
}
