package dev.kvlens.kernels;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Lets compute threads (the kernel pool's workers, a session's decode thread) run below the
 * priority of a user interface in the same process. Java's thread priorities change nothing on
 * Linux by default, so this raises the thread's nice value with {@code setpriority} on its own
 * thread id: when the machine has more runnable threads than cores, the scheduler then gives the
 * JavaFX and render threads a core as soon as they wake rather than a fair share later (the
 * window's longest stalls were garbage collection, which this does not touch; see the launcher's
 * collector). Other processes are not affected beyond
 * this process using less of the machine when they compete. Unprivileged processes may raise nice
 * values but not lower them, so the setting is one-way for threads already lowered. Elsewhere than
 * Linux this does nothing.
 */
public final class ComputePriority {

    /** Nice value for background compute: weight 110 against a nice-0 thread's 1024 under CFS/EEVDF. */
    public static final int BACKGROUND_NICE = 10;
    private static final int PRIO_PROCESS = 0;

    private static volatile boolean background;
    private static final MethodHandle SET_PRIORITY;
    private static final MethodHandle GET_PRIORITY;
    private static final MethodHandle GET_TID;

    static {
        MethodHandle set = null, get = null, tid = null;
        if (System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                Optional<MemorySegment> setpriority = libc.find("setpriority");
                Optional<MemorySegment> getpriority = libc.find("getpriority");
                Optional<MemorySegment> gettid = libc.find("gettid");
                if (setpriority.isPresent() && getpriority.isPresent() && gettid.isPresent()) {
                    set = linker.downcallHandle(setpriority.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                    get = linker.downcallHandle(getpriority.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                    tid = linker.downcallHandle(gettid.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
                }
            } catch (RuntimeException e) {
                // No native access: threads keep the default priority.
                set = null;
                get = null;
                tid = null;
            }
        }
        SET_PRIORITY = set;
        GET_PRIORITY = get;
        GET_TID = tid;
    }

    private ComputePriority() {
    }

    /**
     * Whether compute threads started from now on lower their priority. The kernel pool is rebuilt
     * by {@link Parallel#setThreads} when this differs from what its workers run at.
     */
    public static void runInBackground(boolean value) {
        background = value;
    }

    public static boolean background() {
        return background;
    }

    /**
     * Called by a compute thread on itself: lowers its priority to {@link #BACKGROUND_NICE} when
     * compute runs in the background (a thread already lower stays as it is). Returns whether the
     * thread now runs at that priority or lower.
     */
    public static boolean applyToCurrentThread() {
        if (!background || SET_PRIORITY == null) {
            return false;
        }
        try {
            int id = (int) GET_TID.invokeExact();
            if ((int) GET_PRIORITY.invokeExact(PRIO_PROCESS, id) >= BACKGROUND_NICE) {
                return true;
            }
            return (int) SET_PRIORITY.invokeExact(PRIO_PROCESS, id, BACKGROUND_NICE) == 0;
        } catch (Throwable e) {
            // Only a scheduling preference: the thread keeps running at its priority.
            return false;
        }
    }
}
