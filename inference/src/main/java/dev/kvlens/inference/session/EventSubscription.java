package dev.kvlens.inference.session;

import dev.kvlens.inference.session.event.SessionEvent;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A subscriber served by a delivery thread of its own: a slow consumer only makes its own queue
 * wait (and its frames coalesce), never the compute or other subscribers.
 */
public final class EventSubscription implements AutoCloseable {

    private final EventBus bus;
    private final EventQueue queue;
    private final Thread thread;
    private volatile Throwable failure;

    EventSubscription(EventBus bus, EventQueue queue, Consumer<SessionEvent> consumer) {
        this.bus = bus;
        this.queue = queue;
        this.thread = Thread.ofPlatform().daemon().name("kvlens-events").start(() -> deliver(consumer));
    }

    private void deliver(Consumer<SessionEvent> consumer) {
        try {
            while (true) {
                SessionEvent e = queue.poll(200, TimeUnit.MILLISECONDS);
                if (e != null) {
                    consumer.accept(e);
                } else if (queue.isClosed() && queue.pendingEvents() == 0 && queue.pendingFrameBytes() == 0) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
            bus.unsubscribe(queue);
        }
    }

    public EventQueue queue() {
        return queue;
    }

    /** What the consumer threw, which ended this subscription; null while all is well. */
    public Throwable failure() {
        return failure;
    }

    /**
     * Stops taking new events, delivers what is pending and waits for the delivery thread to end.
     * Blocks the caller only for the consumer's own remaining work.
     */
    @Override
    public void close() throws InterruptedException {
        bus.unsubscribe(queue);
        thread.join();
    }
}
