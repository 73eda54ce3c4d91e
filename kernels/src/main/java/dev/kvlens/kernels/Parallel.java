package dev.kvlens.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed pool of daemon worker threads for splitting index ranges; the calling thread works too.
 * Built for many small calls (about 200 per decoded token): workers spin briefly between jobs
 * before parking, so a job starts in well under a microsecond while decoding. The common
 * ForkJoinPool is not used because its parallelism is cores - 1 (1 on a 2-core machine).
 */
public final class Parallel {

    /**
     * How long an idle worker spins before parking: covers the serial work between two matvecs of a
     * decode step (norms, RoPE, a short attention: a few to tens of microseconds). Longer spins
     * only burn CPU that other processes on a shared machine would have used (200 us cost 15-40%
     * more process CPU per decoded token than 30 us at 2 threads).
     */
    private static final long SPIN_NANOS = 30_000;
    /** Chunks per thread: enough to even out a noisy core, few enough to keep claiming cheap. */
    private static final int CHUNKS_PER_THREAD = 4;

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static volatile Pool pool = new Pool(Math.max(1, Runtime.getRuntime().availableProcessors()));

    private Parallel() {
    }

    /** Number of threads (the caller included) a range is spread over. */
    public static int threads() {
        return pool.threads;
    }

    /**
     * Replaces the pool with one of {@code threads} threads (the caller counts as one), also when
     * {@link ComputePriority#background()} changed since the pool's workers started.
     */
    public static void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        LOCK.lock();
        try {
            if (pool.threads != threads || pool.background != ComputePriority.background()) {
                Pool old = pool;
                pool = new Pool(threads);
                old.shutdown();
            }
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into chunks spread over the pool, and returns
     * when every chunk is done. An exception thrown by any chunk is rethrown here (the first one;
     * chunks not yet started are skipped). Nested calls, and calls while another thread holds the
     * pool, run on the calling thread alone.
     */
    public static void forRange(int n, RangeBody body) {
        if (n <= 0) {
            return;
        }
        Pool p = pool;
        // The lock is reentrant: a caller already inside a job must run its nested range inline.
        if (p.threads == 1 || n == 1 || Thread.currentThread() instanceof Worker
                || LOCK.isHeldByCurrentThread() || !LOCK.tryLock()) {
            body.run(0, n);
            return;
        }
        try {
            pool.run(n, body);
        } finally {
            LOCK.unlock();
        }
    }

    private static final class Worker extends Thread {
        Worker(Runnable r, String name) {
            super(r, name);
        }
    }

    /**
     * One call's work. A job object per call means a worker that wakes late can only find an
     * exhausted job, and the caller waits for finished chunks, never for a worker that claimed
     * nothing (which matters when the machine is oversubscribed and a worker is not scheduled).
     */
    private static final class Job {
        final RangeBody body;
        final int n;
        final int chunkSize;
        final int chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable error;

        Job(int n, RangeBody body, int chunks) {
            this.body = body;
            this.n = n;
            this.chunkSize = (n + chunks - 1) / chunks;
            this.chunks = (n + chunkSize - 1) / chunkSize;
        }

        /** Claims chunks until none is left; on a failure records it and retires the unclaimed rest. */
        void work() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                int start = c * chunkSize;
                try {
                    body.run(start, Math.min(n, start + chunkSize));
                } catch (Throwable t) {
                    synchronized (this) {
                        if (error == null) {
                            error = t;
                        }
                    }
                    int unclaimed = next.getAndSet(chunks);
                    if (unclaimed < chunks) {
                        done.addAndGet(chunks - unclaimed);
                    }
                }
                done.incrementAndGet();
            }
        }
    }

    private static final class Pool {
        final int threads;
        final boolean background = ComputePriority.background();
        final Worker[] workers;
        final ParkState[] park;
        volatile Job current;
        volatile boolean stopped;

        Pool(int threads) {
            this.threads = threads;
            this.workers = new Worker[threads - 1];
            this.park = new ParkState[threads - 1];
            for (int i = 0; i < workers.length; i++) {
                ParkState ps = new ParkState();
                park[i] = ps;
                Worker w = new Worker(() -> workLoop(ps), "kvlens-kernel-" + (i + 1));
                w.setDaemon(true);
                workers[i] = w;
                w.start();
            }
        }

        void run(int n, RangeBody body) {
            Job job = new Job(n, body, Math.min(n, threads * CHUNKS_PER_THREAD));
            current = job; // volatile write publishes the job
            for (int i = 0; i < workers.length; i++) {
                if (park[i].parked) {
                    LockSupport.unpark(workers[i]);
                }
            }
            job.work();
            int spins = 0;
            while (job.done.get() < job.chunks) {
                // A worker holding a chunk may be descheduled: after a short spin (~10 us), yield the core to it.
                if (++spins > 200) {
                    Thread.yield();
                } else {
                    Thread.onSpinWait();
                }
            }
            Throwable t = job.error;
            if (t != null) {
                if (t instanceof RuntimeException re) {
                    throw re;
                }
                if (t instanceof Error e) {
                    throw e;
                }
                throw new RuntimeException(t);
            }
        }

        void workLoop(ParkState ps) {
            if (background) {
                ComputePriority.applyToCurrentThread();
            }
            Job seen = null;
            while (true) {
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                int spins = 0;
                while (current == seen && !stopped) {
                    if ((++spins & 63) == 0 && System.nanoTime() > spinUntil) {
                        ps.parked = true;
                        while (current == seen && !stopped) {
                            LockSupport.park(this);
                        }
                        ps.parked = false;
                        break;
                    }
                    Thread.onSpinWait();
                }
                if (stopped) {
                    return;
                }
                seen = current;
                seen.work();
            }
        }

        void shutdown() {
            stopped = true;
            for (Worker w : workers) {
                LockSupport.unpark(w);
            }
        }
    }

    private static final class ParkState {
        volatile boolean parked;
    }
}
