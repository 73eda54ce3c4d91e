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

    /** How long an idle worker spins before parking; covers the serial work between two matvecs. */
    private static final long SPIN_NANOS = 200_000;
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

    /** Replaces the pool with one of {@code threads} threads (the caller counts as one). */
    public static void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        LOCK.lock();
        try {
            if (pool.threads != threads) {
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

    /** One job at a time; fields are published by the volatile write of {@code generation}. */
    private static final class Pool {
        final int threads;
        final Worker[] workers;
        final AtomicInteger nextChunk = new AtomicInteger();
        final AtomicInteger busyWorkers = new AtomicInteger();
        volatile long generation;
        volatile boolean stopped;
        volatile Throwable error;
        RangeBody body;
        int n;
        int chunkSize;
        int chunks;
        final ParkState[] park;

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
            int chunks = Math.min(n, threads * CHUNKS_PER_THREAD);
            this.body = body;
            this.n = n;
            this.chunkSize = (n + chunks - 1) / chunks;
            this.chunks = (n + chunkSize - 1) / chunkSize;
            this.error = null;
            nextChunk.set(0);
            busyWorkers.set(workers.length);
            generation++; // volatile write: publishes the job
            for (int i = 0; i < workers.length; i++) {
                if (park[i].parked) {
                    LockSupport.unpark(workers[i]);
                }
            }
            work();
            while (busyWorkers.get() != 0) {
                Thread.onSpinWait();
            }
            this.body = null;
            Throwable t = error;
            if (t != null) {
                error = null;
                if (t instanceof RuntimeException re) {
                    throw re;
                }
                if (t instanceof Error e) {
                    throw e;
                }
                throw new RuntimeException(t);
            }
        }

        /** Claims chunks until none is left; records the first failure and stops handing out more. */
        void work() {
            RangeBody b = body;
            int size = chunkSize;
            int total = chunks;
            int end = n;
            int c;
            while ((c = nextChunk.getAndIncrement()) < total) {
                int start = c * size;
                try {
                    b.run(start, Math.min(end, start + size));
                } catch (Throwable t) {
                    synchronized (this) {
                        if (error == null) {
                            error = t;
                        }
                    }
                    nextChunk.set(total);
                }
            }
        }

        void workLoop(ParkState ps) {
            long seen = 0; // the generation at construction: a job published before this thread ran is still seen
            while (true) {
                long spinUntil = System.nanoTime() + SPIN_NANOS;
                int spins = 0;
                while (generation == seen && !stopped) {
                    if ((++spins & 63) == 0 && System.nanoTime() > spinUntil) {
                        ps.parked = true;
                        while (generation == seen && !stopped) {
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
                seen = generation;
                work();
                busyWorkers.decrementAndGet();
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
