package dev.kvlens.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NativeHeapTuningTest {

    /** glibc accepts both thresholds (mallopt returns 1 for each); asking again changes nothing. */
    @Test
    void glibcTakesTheThresholds() throws Exception {
        assumeTrue(System.getenv("MALLOC_MMAP_THRESHOLD_") == null && System.getenv("MALLOC_TRIM_THRESHOLD_") == null,
                "the environment chose its own thresholds");
        assumeTrue(Files.exists(Path.of("/proc/self/maps"))
                && Files.readString(Path.of("/proc/self/maps")).contains("libc.so.6"), "not glibc");
        assertTrue(NativeHeapTuning.keepFreedMemory());
        assertTrue(NativeHeapTuning.keepFreedMemory());
    }
}
