package dev.kvlens.inference.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.CacheDecision;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.SessionRewound;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventBusTest {

    static AttentionFrame frame(int step, int layer, int head, boolean binned) {
        return new AttentionFrame(0, step, layer, head, binned, new int[] {0, 1}, new float[] {0.25f, 0.75f});
    }

    @Test
    void framesCoalescePerHeadAndEverythingElseIsKeptInOrder() {
        EventBus bus = new EventBus();
        EventQueue q = bus.subscribe(new FrameRequest(true, Set.of(new HeadRef(0, 1))));
        SessionEvent a = new SessionRewound(1);
        AttentionFrame f1 = frame(1, 0, 0, true);
        AttentionFrame g1 = frame(1, 0, 1, false);
        AttentionFrame h1 = frame(1, 0, 2, false); // not asked for at full resolution
        SessionEvent b = new SessionRewound(2);
        AttentionFrame f2 = frame(2, 0, 0, true);
        SessionEvent c = new SessionRewound(3);
        for (SessionEvent e : List.of(a, f1, g1, h1, b, f2, c)) {
            bus.publish(e);
        }
        // Worked by hand: f1 is replaced by f2, which takes f2's place after b; h1 was never wanted.
        List<SessionEvent> got = q.drain();
        assertEquals(List.of(a, g1, b, f2, c), got);
        assertSame(f2, got.get(3));
        assertEquals(1, q.framesReplaced());
        assertEquals(0, q.pendingFrameBytes());
        assertEquals(2 * (EventQueue.FRAME_OVERHEAD_BYTES + 16L), q.peakFrameBytes());
    }

    @Test
    void aSlowSubscriberNeverSlowsThePublisherNorLosesDecisions() throws Exception {
        EventBus bus = new EventBus();
        CountDownLatch release = new CountDownLatch(1);
        List<SessionEvent> got = new ArrayList<>();
        EventSubscription slow = bus.subscribe(FrameRequest.BINNED, e -> {
            try {
                release.await();
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
            }
            got.add(e);
        });
        int n = 20_000;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            bus.publish(frame(i, i % 3, 0, true));
            bus.publish(new CacheDecision(0, i, 0, 0, new int[] {i}, 1, 1));
        }
        long publishNanos = System.nanoTime() - t0;
        // Blocked consumer: at most one frame per (lane, layer, head) waits, plus the one being delivered.
        assertTrue(slow.queue().pendingFrameBytes() <= 3 * (EventQueue.FRAME_OVERHEAD_BYTES + 16L));
        assertTrue(publishNanos < TimeUnit.SECONDS.toNanos(5), "publishing took " + publishNanos / 1e6 + " ms");
        release.countDown();
        slow.close();
        long decisions = got.stream().filter(e -> e instanceof CacheDecision).count();
        assertEquals(n, decisions);
        for (int i = 0, k = 0; i < got.size(); i++) {
            if (got.get(i) instanceof CacheDecision d) {
                assertEquals(k++, d.step()); // in order
            }
        }
    }
}
