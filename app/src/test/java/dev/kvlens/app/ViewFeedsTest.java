package dev.kvlens.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.PolicyRegistry;
import dev.kvlens.inference.session.EventQueue;
import dev.kvlens.inference.session.FrameRequest;
import dev.kvlens.inference.session.LaneConfig;
import dev.kvlens.inference.session.Session;
import dev.kvlens.inference.session.SessionSettings;
import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.LaneRebuilt;
import dev.kvlens.inference.session.event.SessionStarted;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.SessionRewound;
import dev.kvlens.viewer.LaneState;
import dev.kvlens.viewer.SessionViewModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A hidden view's model, fed through {@link ViewFeeds} (frames of a head replacing each other while it
 * waits) and caught up at once, ends in the same state as a model given every event directly; the
 * events are a real stories260K session with a step back and a live lane change in the middle.
 */
class ViewFeedsTest {

    private static List<SessionEvent> events;

    @BeforeAll
    static void record() throws InterruptedException {
        try (LoadedModel model = ModelLoader.load(Path.of(System.getProperty("kvlens.models")).resolve("stories260K.gguf"))) {
            String prompt = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.";
            int[] ids = model.tokenizer().encode(prompt, model.tokenizer().addsBos(), false);
            List<LaneConfig> lanes = List.of(LaneConfig.FULL,
                    new LaneConfig(PolicyRegistry.factory("h2o"), Map.of(), Budget.parse("12")));
            try (Session s = new Session(model, SessionSettings.generate(ids, 16), lanes)) {
                EventQueue q = s.events().subscribe(FrameRequest.BINNED);
                // Taken off as they come, as the window does, so frames are not coalesced in the queue.
                List<SessionEvent> got = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
                java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
                Thread taker = Thread.ofPlatform().start(() -> {
                    try {
                        while (!done.get()) {
                            SessionEvent e = q.poll(5, java.util.concurrent.TimeUnit.MILLISECONDS);
                            if (e != null) {
                                got.add(e);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                s.step(8).join();
                s.stepBack(3).join();
                s.changeLane(1, new LaneConfig(PolicyRegistry.factory("streamingllm"), Map.of(), Budget.parse("12"))).join();
                s.run().join();
                done.set(true);
                taker.join();
                got.addAll(q.drain());
                events = List.copyOf(got);
            }
        }
        assertTrue(events.stream().anyMatch(e -> e instanceof SessionRewound), "the run holds a step back");
    }

    @Test
    void aHiddenViewCaughtUpEqualsOneFedEverything() {
        SessionViewModel reference = new SessionViewModel();
        reference.apply(events);

        ViewFeeds feeds = new ViewFeeds(() -> ViewKind.OUTPUT); // nothing with a model on screen
        SessionViewModel hidden = feeds.model(ViewKind.TIMELINE);
        for (int i = 0; i < events.size(); i++) {
            feeds.accept(events.get(i));
            if (i % 50 == 0) {
                feeds.flush();
            }
        }
        feeds.flush();
        assertEquals(0, feeds.applies(ViewKind.TIMELINE), "hidden: not rebuilt");
        // While hidden, a newer frame of a head replaces the older one: what waits is at most every
        // other event plus one frame per (lane, layer, head, binned) — however many frames the bus
        // delivered (it coalesces frames for slow subscribers, so that number varies run to run).
        long others = events.stream().filter(e -> !(e instanceof AttentionFrame)).count();
        long heads = events.stream().filter(e -> e instanceof AttentionFrame).map(e -> (AttentionFrame) e)
                .map(f -> List.of(f.lane(), f.layer(), f.head(), f.binned() ? 1 : 0)).distinct().count();
        // A step back or a rebuilt lane starts a new epoch: frames from before it are not replaced.
        long epochs = 1 + events.stream().filter(e -> e instanceof SessionStarted || e instanceof SessionRewound
                || e instanceof LaneRebuilt).count();
        assertTrue(feeds.pending(ViewKind.TIMELINE) <= others + heads * epochs,
                "older frames of a head were replaced: " + feeds.pending(ViewKind.TIMELINE) + " waiting, "
                        + others + " other events, " + heads + " heads, " + epochs + " epochs");
        feeds.catchUp(ViewKind.TIMELINE);
        assertEquals(1, feeds.applies(ViewKind.TIMELINE), "caught up in one batch");
        assertEquals(0, feeds.pending(ViewKind.TIMELINE));

        assertSameState(reference, hidden);
    }

    /**
     * A hidden view that passes its bound catches up a slice of its oldest events per pulse (never the
     * whole backlog in one batch) and still ends in the state of a model fed everything, with frame
     * history (the head view) and without (the timeline, whose waiting frames replace each other).
     */
    @Test
    void aHiddenViewPastItsBoundCatchesUpInSlices() {
        SessionViewModel reference = new SessionViewModel();
        reference.apply(events);
        int bound = 120, slice = 16;
        ViewFeeds feeds = new ViewFeeds(() -> ViewKind.OUTPUT, bound, slice);
        SessionViewModel timeline = feeds.model(ViewKind.TIMELINE);
        SessionViewModel head = feeds.model(ViewKind.HEAD);
        int worst = 0;
        for (SessionEvent e : events) {
            feeds.accept(e);
            feeds.flush();
            worst = Math.max(worst, feeds.pending(ViewKind.HEAD));
        }
        assertTrue(events.size() > 4 * bound, "enough events to pass the bound: " + events.size());
        assertTrue(feeds.applies(ViewKind.HEAD) > 1, "sliced: " + feeds.applies(ViewKind.HEAD) + " batches");
        assertTrue(worst <= bound + 1, "stayed near the bound: " + worst + " waiting at most");
        long slices = feeds.applies(ViewKind.TIMELINE);
        feeds.catchUp(ViewKind.TIMELINE);
        feeds.catchUp(ViewKind.HEAD);
        assertEquals(0, feeds.pending(ViewKind.TIMELINE));
        assertEquals(0, feeds.pending(ViewKind.HEAD));
        assertTrue(slices >= 1, "the timeline passed its bound too");
        assertSameState(reference, timeline);
        assertSameState(reference, head);
    }

    private static void assertSameState(SessionViewModel reference, SessionViewModel hidden) {
        var m = reference.model();
        assertEquals(reference.lanes().size(), hidden.lanes().size());
        for (int lane = 0; lane < reference.lanes().size(); lane++) {
            LaneState a = reference.lane(lane), b = hidden.lane(lane);
            assertEquals(a.info(), b.info());
            assertEquals(a.latestStep(), b.latestStep());
            assertEquals(a.positions(), b.positions());
            for (int p = 0; p < a.positions(); p++) {
                assertEquals(a.piece(p), b.piece(p));
                for (int l = 0; l < m.layers(); l++) {
                    for (int g = 0; g < m.kvHeads(); g++) {
                        assertEquals(a.evictedAt(l, g, p), b.evictedAt(l, g, p), "lane " + lane + " L" + l + " g" + g + " p" + p);
                    }
                }
            }
            for (int l = 0; l < m.layers(); l++) {
                for (int h = 0; h < m.heads(); h++) {
                    assertSame(a.latestFrame(l, h), b.latestFrame(l, h), "lane " + lane + " L" + l + " H" + h);
                }
            }
            assertEquals(a.quality().size(), b.quality().size());
            assertEquals(a.memory().size(), b.memory().size());
        }
    }

    @Test
    void theShownViewIsFedAtMostOncePerFrameInterval() {
        ViewFeeds feeds = new ViewFeeds(() -> ViewKind.HEAD_GRID);
        feeds.model(ViewKind.HEAD_GRID);
        feeds.model(ViewKind.BUDGET);
        int half = events.size() / 2;
        events.subList(0, half).forEach(feeds::accept);
        feeds.flush();
        assertEquals(1, feeds.applies(ViewKind.HEAD_GRID));
        events.subList(half, events.size()).forEach(feeds::accept);
        feeds.flush(); // within the interval of the first: waits
        assertEquals(1, feeds.applies(ViewKind.HEAD_GRID));
        assertTrue(feeds.pending(ViewKind.HEAD_GRID) > 0);
        assertEquals(0, feeds.applies(ViewKind.BUDGET), "hidden");
        long until = System.nanoTime() + 50_000_000;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        feeds.flush();
        assertEquals(2, feeds.applies(ViewKind.HEAD_GRID));
        assertEquals(0, feeds.pending(ViewKind.HEAD_GRID));
    }
}
