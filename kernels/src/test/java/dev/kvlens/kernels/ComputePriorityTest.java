package dev.kvlens.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reads each thread's nice value back from /proc, where the kernel keeps it per thread. */
class ComputePriorityTest {

    private int threadsBefore;

    @BeforeEach
    void linuxOnly() {
        assumeTrue(Files.isDirectory(Path.of("/proc/thread-self")), "per-thread nice values are read from Linux's /proc");
        threadsBefore = Parallel.threads();
    }

    @AfterEach
    void restore() {
        ComputePriority.runInBackground(false);
        Parallel.setThreads(threadsBefore);
    }

    @Test
    void aBackgroundComputeThreadLowersOnlyItsOwnPriority() throws Exception {
        int callerNice = nice(Path.of("/proc/thread-self/stat"));
        ComputePriority.runInBackground(true);
        NewThread t = applyOnNewThread();
        assertTrue(t.applied());
        assertEquals(Math.max(callerNice, ComputePriority.BACKGROUND_NICE), t.nice());
        assertEquals(callerNice, nice(Path.of("/proc/thread-self/stat")), "the calling thread keeps its priority");
    }

    @Test
    void foregroundComputeLeavesThePriorityAlone() throws Exception {
        int callerNice = nice(Path.of("/proc/thread-self/stat"));
        NewThread t = applyOnNewThread();
        assertFalse(t.applied());
        assertEquals(callerNice, t.nice());
    }

    @Test
    void theKernelPoolIsRebuiltWithBackgroundWorkers() throws Exception {
        int expected = Math.max(nice(Path.of("/proc/thread-self/stat")), ComputePriority.BACKGROUND_NICE);
        Parallel.setThreads(2);
        ComputePriority.runInBackground(true);
        Parallel.setThreads(2);
        // Workers lower themselves when they start: give them a moment, then check each one.
        long deadline = System.nanoTime() + 5_000_000_000L;
        OptionalInt worker;
        do {
            worker = workerNice();
            if (worker.isPresent() && worker.getAsInt() == expected) {
                break;
            }
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        assertEquals(OptionalInt.of(expected), worker);
        // And they still compute.
        int[] hits = new int[1000];
        Parallel.forRange(hits.length, (start, end) -> {
            for (int i = start; i < end; i++) {
                hits[i]++;
            }
        });
        for (int h : hits) {
            assertEquals(1, h);
        }
    }

    private record NewThread(boolean applied, int nice) {
    }

    /** Starts a thread that applies the compute priority to itself and reads its nice value back. */
    private static NewThread applyOnNewThread() throws InterruptedException {
        AtomicBoolean applied = new AtomicBoolean();
        AtomicInteger nice = new AtomicInteger(Integer.MIN_VALUE);
        Thread t = Thread.ofPlatform().start(() -> {
            applied.set(ComputePriority.applyToCurrentThread());
            nice.set(niceUnchecked(Path.of("/proc/thread-self/stat")));
        });
        t.join();
        return new NewThread(applied.get(), nice.get());
    }

    /** The nice value of the live worker thread named kvlens-kernel-1, if there is one. */
    private static OptionalInt workerNice() throws IOException {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    if (stat.contains("(kvlens-kernel-1)")) {
                        return OptionalInt.of(nice(stat));
                    }
                } catch (IOException gone) {
                    // The thread ended while the folder was listed.
                }
            }
        }
        return OptionalInt.empty();
    }

    private static int niceUnchecked(Path stat) {
        try {
            return nice(stat);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int nice(Path stat) throws IOException {
        return nice(Files.readString(stat));
    }

    /** Field 19 of proc(5)'s stat line; fields are counted after the command name's closing parenthesis. */
    private static int nice(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Integer.parseInt(fields[19 - 3]);
    }
}
