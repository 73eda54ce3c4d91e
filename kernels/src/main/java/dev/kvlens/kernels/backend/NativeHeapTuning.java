package dev.kvlens.kernels.backend;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Keeps glibc's allocator from handing ND4J's freed buffers back to the kernel. ND4J allocates every
 * op's output with malloc; SameDiff's training step makes thousands of them, 1-8 MB each (attention
 * scores, logits), and glibc serves such sizes with fresh mappings, or trims them off the heap's top
 * when freed, so each step zero-fills the same pages again: the trainer ran at about 95,000 page
 * faults a second with 28% of its CPU time in the kernel. Raising the mmap threshold to glibc's
 * largest (32 MiB) and the trim threshold beyond reach keeps more freed blocks for reuse: a 40-step
 * run had 16% fewer faults and 35% less system time. (Most remained: SameDiff left its arrays to the
 * garbage collector; the trainer's StepArrayPool now reuses them.)
 * Settings a user made through the {@code MALLOC_*_} environment variables win; elsewhere than glibc
 * this does nothing.
 */
public final class NativeHeapTuning {

    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_MMAP_THRESHOLD = -3;
    /** glibc's upper limit for M_MMAP_THRESHOLD on 64-bit systems (4 MiB x sizeof(long)). */
    static final long MMAP_THRESHOLD = 32L << 20;
    static final long TRIM_THRESHOLD = 1L << 30;

    private static volatile boolean applied;

    private NativeHeapTuning() {
    }

    /** Applies the thresholds once per process; returns whether glibc accepted them. */
    public static synchronized boolean keepFreedMemory() {
        if (applied) {
            return true;
        }
        if (System.getenv("MALLOC_MMAP_THRESHOLD_") != null || System.getenv("MALLOC_TRIM_THRESHOLD_") != null) {
            return false;
        }
        Optional<MemorySegment> mallopt = Linker.nativeLinker().defaultLookup().find("mallopt");
        if (mallopt.isEmpty()) {
            return false;
        }
        try {
            MethodHandle h = Linker.nativeLinker().downcallHandle(mallopt.get(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            boolean ok = (int) h.invokeExact(M_MMAP_THRESHOLD, (int) MMAP_THRESHOLD) == 1;
            ok &= (int) h.invokeExact(M_TRIM_THRESHOLD, (int) TRIM_THRESHOLD) == 1;
            applied = ok;
            return ok;
        } catch (Throwable e) {
            // Only a speed-up: without it the allocator keeps its defaults.
            return false;
        }
    }
}
