package dev.kvlens.inference.session;

import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.SessionEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One subscriber's pending events. Offering never blocks on the reader (only on a short lock).
 * Every event but an {@link AttentionFrame} is kept until taken (lossless). Frames are coalesced:
 * at most one pending frame per (lane, layer, head, binned); a newer one replaces it and moves to
 * the end of the order. Events come out in the order offered, except that a replaced frame's
 * successor takes the newer place.
 *
 * <p>Memory bound for frames: pending frames never exceed one per (lane, layer, head) binned plus
 * one per (lane, requested head) at full resolution, so pending frame bytes are at most
 * {@code lanes * (layers * heads * (8 * bins + FRAME_OVERHEAD_BYTES)
 *        + requestedHeads * (8 * maxEntries + FRAME_OVERHEAD_BYTES))},
 * where {@code maxEntries} is the most cache entries a head holds (at most the positions run).
 * {@link #pendingFrameBytes()} and {@link #peakFrameBytes()} account with the same constants.
 */
public final class EventQueue {

    /**
     * Heap a pending frame takes beyond its two arrays' elements: the record, two array headers,
     * its key and the map/tree entries that index it (measured layouts with compressed oops are
     * about 230 bytes; rounded up).
     */
    public static final int FRAME_OVERHEAD_BYTES = 256;

    private record Sequenced(long seq, SessionEvent event) {
    }

    private record FrameKey(int lane, int layer, int head, boolean binned) {
    }

    private final FrameRequest request;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition available = lock.newCondition();
    private final ArrayDeque<Sequenced> lossless = new ArrayDeque<>();
    private final Map<FrameKey, Sequenced> frames = new HashMap<>();
    private final TreeMap<Long, FrameKey> frameOrder = new TreeMap<>();
    private long nextSeq;
    private long pendingFrameBytes;
    private long peakFrameBytes;
    private long framesReplaced;
    private boolean closed;

    EventQueue(FrameRequest request) {
        this.request = request;
    }

    public FrameRequest request() {
        return request;
    }

    /** Whether this subscriber asked for the frame. */
    boolean wants(AttentionFrame f) {
        return f.binned() ? request.binned() : request.fullResolution().contains(new HeadRef(f.layer(), f.head()));
    }

    /** Heap held by one frame while pending, as the bound counts it. */
    public static long frameBytes(AttentionFrame f) {
        return FRAME_OVERHEAD_BYTES + 4L * f.positions().length + 4L * f.weights().length;
    }

    void offer(SessionEvent event) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            long seq = nextSeq++;
            if (event instanceof AttentionFrame f) {
                FrameKey key = new FrameKey(f.lane(), f.layer(), f.head(), f.binned());
                Sequenced old = frames.put(key, new Sequenced(seq, f));
                if (old != null) {
                    frameOrder.remove(old.seq());
                    pendingFrameBytes -= frameBytes((AttentionFrame) old.event());
                    framesReplaced++;
                }
                frameOrder.put(seq, key);
                pendingFrameBytes += frameBytes(f);
                peakFrameBytes = Math.max(peakFrameBytes, pendingFrameBytes);
            } else {
                lossless.addLast(new Sequenced(seq, event));
            }
            available.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The next event, or null when none is pending. */
    public SessionEvent poll() {
        lock.lock();
        try {
            return next();
        } finally {
            lock.unlock();
        }
    }

    /** The next event, waiting up to {@code timeout}; null when none came or the queue was closed. */
    public SessionEvent poll(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            SessionEvent e;
            while ((e = next()) == null) {
                if (closed || nanos <= 0) {
                    return null;
                }
                nanos = available.awaitNanos(nanos);
            }
            return e;
        } finally {
            lock.unlock();
        }
    }

    /** Everything pending, in order. */
    public List<SessionEvent> drain() {
        lock.lock();
        try {
            List<SessionEvent> out = new ArrayList<>(lossless.size() + frames.size());
            SessionEvent e;
            while ((e = next()) != null) {
                out.add(e);
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    private SessionEvent next() {
        Sequenced head = lossless.peekFirst();
        Map.Entry<Long, FrameKey> frame = frameOrder.firstEntry();
        if (head == null && frame == null) {
            return null;
        }
        if (frame == null || (head != null && head.seq() < frame.getKey())) {
            return lossless.pollFirst().event();
        }
        frameOrder.pollFirstEntry();
        AttentionFrame f = (AttentionFrame) frames.remove(frame.getValue()).event();
        pendingFrameBytes -= frameBytes(f);
        return f;
    }

    /** Bytes of frames waiting now, counted as the bound counts them. */
    public long pendingFrameBytes() {
        lock.lock();
        try {
            return pendingFrameBytes;
        } finally {
            lock.unlock();
        }
    }

    /** The most frame bytes that were ever waiting at once. */
    public long peakFrameBytes() {
        lock.lock();
        try {
            return peakFrameBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Frames replaced by a newer one before this subscriber took them. */
    public long framesReplaced() {
        lock.lock();
        try {
            return framesReplaced;
        } finally {
            lock.unlock();
        }
    }

    /** Lossless events waiting. */
    public int pendingEvents() {
        lock.lock();
        try {
            return lossless.size();
        } finally {
            lock.unlock();
        }
    }

    /** Stops accepting events and wakes a waiting reader; what is pending can still be taken. */
    void close() {
        lock.lock();
        try {
            closed = true;
            available.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }
}
