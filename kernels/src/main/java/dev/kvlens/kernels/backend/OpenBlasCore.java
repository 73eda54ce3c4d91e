package dev.kvlens.kernels.backend;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Picks OpenBLAS's kernels by the CPU's instruction set, for CPUs that OpenBLAS 0.3.19 (the one
 * nd4j-native 1.0.0-M2.1 ships) does not know: on this project's AMD Zen 4 it chose "Barcelona"
 * (SSE, 2007) by itself. With AVX-512 it gets {@code OPENBLAS_CORETYPE=SkylakeX}, with AVX2 and FMA
 * {@code Haswell}, as later OpenBLAS releases choose. On this machine kind a 128-token sgemm of the
 * 143 M synth shape's 1536 x 576 matrix took 1.1 ms with SkylakeX and 2.6 ms with Haswell (best of
 * 25, 2 threads). OpenBLAS reads the variable when it is loaded, so it is set in the process's
 * environment (through libc) before ND4J's first call; a value already set (by the user or the
 * machine: these machines export Haswell) wins.
 */
final class OpenBlasCore {

    static final String VARIABLE = "OPENBLAS_CORETYPE";
    /** What SkylakeX kernels execute. */
    private static final Set<String> AVX512 = Set.of("avx512f", "avx512bw", "avx512dq", "avx512vl");
    /** What Haswell kernels execute. */
    private static final Set<String> AVX2 = Set.of("avx2", "fma");

    private OpenBlasCore() {
    }

    /** Sets the core type when nobody chose one and the CPU's flags name one; returns the value in force, if any. */
    static Optional<String> configure() {
        String given = System.getenv(VARIABLE);
        if (given != null && !given.isBlank()) {
            return Optional.of(given);
        }
        Optional<String> core = coreFor(cpuFlags());
        if (core.isEmpty()) {
            return Optional.empty();
        }
        try (Arena arena = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            Optional<MemorySegment> setenv = linker.defaultLookup().find("setenv");
            if (setenv.isEmpty()) {
                return Optional.empty();
            }
            MethodHandle h = linker.downcallHandle(setenv.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            int rc = (int) h.invokeExact(arena.allocateFrom(VARIABLE), arena.allocateFrom(core.get()), 0);
            return rc == 0 ? core : Optional.empty();
        } catch (Throwable e) {
            // Only a speed-up: without it OpenBLAS picks its own kernels.
            return Optional.empty();
        }
    }

    /** The kernels for a CPU whose /proc/cpuinfo {@code flags} line is {@code flags}: SkylakeX, Haswell or none. */
    static Optional<String> coreFor(String flags) {
        Set<String> have = Set.of(flags.trim().split("\\s+"));
        if (have.containsAll(AVX512)) {
            return Optional.of("SkylakeX");
        }
        return have.containsAll(AVX2) ? Optional.of("Haswell") : Optional.empty();
    }

    /** The first {@code flags} line of /proc/cpuinfo, or "" where there is none (not Linux on x86). */
    private static String cpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    int colon = line.indexOf(':');
                    return colon < 0 ? "" : line.substring(colon + 1);
                }
            }
        } catch (IOException | RuntimeException e) {
            return "";
        }
        return "";
    }
}
