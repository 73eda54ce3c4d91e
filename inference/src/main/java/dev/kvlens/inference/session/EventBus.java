package dev.kvlens.inference.session;

import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.SessionEvent;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Hands a session's events to its subscribers without ever making the compute wait on them: each
 * subscriber has its own {@link EventQueue} (frames coalesced, everything else lossless), read
 * either by the subscriber's own thread ({@link #subscribe(FrameRequest)}) or by a delivery thread
 * the bus starts ({@link #subscribe(FrameRequest, Consumer)}).
 */
public final class EventBus {

    private final List<EventQueue> queues = new CopyOnWriteArrayList<>();
    private volatile FrameRequest demand = FrameRequest.NONE;
    private volatile boolean closed;

    /** A queue the caller reads (poll/drain) on its own thread. */
    public EventQueue subscribe(FrameRequest request) {
        EventQueue q = new EventQueue(request);
        if (closed) {
            q.close();
            return q;
        }
        queues.add(q);
        recomputeDemand();
        return q;
    }

    /** Events delivered to {@code consumer} on a delivery thread of their own, in order. */
    public EventSubscription subscribe(FrameRequest request, Consumer<SessionEvent> consumer) {
        return new EventSubscription(this, subscribe(request), consumer);
    }

    /** Stops delivering to {@code queue}; what it holds can still be read. */
    public void unsubscribe(EventQueue queue) {
        queues.remove(queue);
        queue.close();
        recomputeDemand();
    }

    /** Never blocks on a subscriber: offering takes one short lock per queue. */
    public void publish(SessionEvent event) {
        if (event instanceof AttentionFrame f) {
            for (EventQueue q : queues) {
                if (q.wants(f)) {
                    q.offer(f);
                }
            }
        } else {
            for (EventQueue q : queues) {
                q.offer(event);
            }
        }
    }

    /** The union of what subscribers ask for: what the session must capture. */
    public FrameRequest demand() {
        return demand;
    }

    /** Closes every queue: readers get what is pending, then nothing more. */
    public void close() {
        closed = true;
        for (EventQueue q : queues) {
            q.close();
        }
        queues.clear();
        demand = FrameRequest.NONE;
    }

    private void recomputeDemand() {
        boolean binned = false;
        Set<HeadRef> full = new HashSet<>();
        for (EventQueue q : queues) {
            binned |= q.request().binned();
            full.addAll(q.request().fullResolution());
        }
        demand = new FrameRequest(binned, full);
    }
}
