package dev.kvlens.inference.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvlens.inference.model.ForwardPass;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.policy.PolicyRegistry;
import dev.kvlens.inference.quality.Distributions;
import dev.kvlens.inference.sampling.SamplingSettings;
import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.CacheDecision;
import dev.kvlens.inference.session.event.LaneRebuilt;
import dev.kvlens.inference.session.event.MemorySample;
import dev.kvlens.inference.session.event.QualitySample;
import dev.kvlens.inference.session.event.SessionEnded;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.SessionRewound;
import dev.kvlens.inference.session.event.SessionStarted;
import dev.kvlens.inference.session.event.TokenStep;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SessionTest {

    static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));

    /** A TinyStories-like text (written for this test) long enough for budgets of 16-32 to evict. */
    static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play outside in"
            + " the park with her dog Max. One day, Lily saw a big red ball under a tree. She ran to the ball and"
            + " kicked it high into the sky. Max barked and jumped. The ball fell into the pond. Lily was sad, but"
            + " her mom came and helped her get the ball. They laughed and went home for lunch.";

    static LoadedModel stories;
    static JsonNode reference;

    /** Loaded once for every session test class; the mapping lives until the test JVM exits. */
    @BeforeAll
    static synchronized void load() throws IOException {
        if (stories == null) {
            stories = ModelLoader.load(MODELS.resolve("stories260K.gguf"));
            reference = new ObjectMapper().readTree(MODELS.resolve("reference/stories260K.greedy.json").toFile());
        }
    }

    static int[] ids(JsonNode array, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static List<TokenStep> steps(List<SessionEvent> events, int lane) {
        return events.stream().filter(e -> e instanceof TokenStep t && t.lane() == lane).map(e -> (TokenStep) e)
                .toList();
    }

    static <T> List<T> of(List<SessionEvent> events, Class<T> type, int lane) {
        return events.stream().filter(e -> type.isInstance(e) && e.lane() == lane).map(type::cast).toList();
    }

    /** The tokens fed after the prompt, as the events tell them. */
    static int[] fed(List<SessionEvent> events, int lane, int promptLength) {
        return steps(events, lane).stream().filter(t -> t.position() >= promptLength).mapToInt(TokenStep::token)
                .toArray();
    }

    /** An evicting policy registered now (the registry grows as policies land), falling back to none. */
    static String evicting(String... preferred) {
        for (String id : preferred) {
            try {
                PolicyRegistry.factory(id);
                return id;
            } catch (IllegalArgumentException e) {
                // not registered yet
            }
        }
        throw new org.opentest4j.TestAbortedException("none of " + String.join(", ", preferred) + " is registered");
    }

    @Test
    void teacherForcedGenerationFollowsTheReferenceGreedyTokensAndLogits() {
        JsonNode bos = reference.get("bos_only");
        int n = 100; // near ties start at position 114
        int[] expected = ids(bos.get("generated_ids"), n);
        SessionSettings settings = SessionSettings.generate(new int[] {1}, n - 1);
        try (Session s = new Session(stories, settings, List.of(LaneConfig.FULL))) {
            EventQueue q = s.events().subscribe(FrameRequest.NONE);
            SessionEnded end = s.runToEnd();
            assertEquals("limit", end.reason());
            List<SessionEvent> events = q.drain();
            assertTrue(events.getFirst() instanceof SessionStarted);
            assertEquals(end, events.getLast());
            // Generated tokens are fed back: token at position p+1 is the argmax after position p.
            assertArrayEquals(java.util.Arrays.copyOf(expected, n - 1), fed(events, 0, 1));
            for (TokenStep t : steps(events, 0)) {
                JsonNode top = bos.get("top5_logits_per_position").get(t.position());
                for (int k = 0; k < 5; k++) {
                    assertEquals(top.get(k).get(0).asInt(), t.topIds()[k], "position " + t.position());
                    assertEquals(top.get(k).get(1).asDouble(), t.topLogits()[k], 2e-3, "position " + t.position());
                }
            }
        }
    }

    @Test
    void fullLaneQualityIsExactlyZeroKlAndFullAgreement() {
        String other = evicting("streamingllm", "h2o", "snapkv");
        int[] prompt = stories.tokenizer().encode(STORY, true, false);
        SessionSettings settings = SessionSettings.generate(prompt, 24);
        try (Session s = new Session(stories, settings, LaneConfig.withFullReference(
                List.of(LaneConfig.parse(other, "16"))))) {
            EventQueue q = s.events().subscribe(FrameRequest.NONE);
            s.runToEnd();
            List<SessionEvent> events = q.drain();
            List<QualitySample> full = of(events, QualitySample.class, 0);
            assertEquals(25, full.size()); // after the prompt and after each of 24 tokens
            for (QualitySample qs : full) {
                assertEquals(0.0, qs.klToFull());
                assertTrue(qs.top1Agrees());
                assertEquals(1.0, qs.attentionMassKept(), 1e-5);
                assertEquals(0.0, qs.outputError());
            }
            List<QualitySample> lane = of(events, QualitySample.class, 1);
            assertEquals(25, lane.size());
            assertTrue(lane.stream().anyMatch(qs -> qs.klToFull() > 0), "an evicting lane differs somewhere");
            assertTrue(lane.stream().allMatch(qs -> qs.attentionMassKept() < 1.0 + 1e-6));
            assertFalse(of(events, CacheDecision.class, 1).isEmpty());
            assertTrue(of(events, CacheDecision.class, 0).isEmpty());
            // Memory: the evicting lane holds fewer bytes than the full cache at every step.
            List<MemorySample> fm = of(events, MemorySample.class, 0);
            List<MemorySample> lm = of(events, MemorySample.class, 1);
            assertEquals(fm.size(), lm.size());
            for (int i = 0; i < fm.size(); i++) {
                assertTrue(lm.get(i).totalBytes() < fm.get(i).totalBytes());
                // the full-cache equivalent is the reference lane's own holding, so it reads 100%
                assertEquals(fm.get(i).totalBytes(), fm.get(i).fullCacheBytes());
                assertEquals(fm.get(i).totalBytes(), lm.get(i).fullCacheBytes());
                assertTrue(fm.get(i).totalBytes() >= (fm.get(i).step() + 1L) * stories.config().kvBytesPerToken());
            }
        }
    }

    @Test
    void teacherForcedOnAGivenTextGivesEveryLaneTheSameTokensAndTheReferenceNll() {
        String other = evicting("h2o", "streamingllm", "snapkv");
        int[] all = stories.tokenizer().encode(STORY, true, false);
        int[] prompt = java.util.Arrays.copyOf(all, 20);
        int[] rest = java.util.Arrays.copyOfRange(all, 20, all.length);
        SessionSettings settings = SessionSettings.teacherForced(prompt, rest);
        try (Session s = new Session(stories, settings, LaneConfig.withFullReference(
                List.of(LaneConfig.parse(other, "12"), LaneConfig.parse("full", "1.0"))))) {
            EventQueue q = s.events().subscribe(FrameRequest.NONE);
            assertEquals("end of text", s.runToEnd().reason());
            List<SessionEvent> events = q.drain();
            for (int lane = 0; lane < 3; lane++) {
                assertArrayEquals(rest, fed(events, lane, prompt.length), "lane " + lane);
            }
            // Independent NLL: one plain forward pass over the whole text with logits at every position.
            ForwardPass plain = stories.model().newForwardPass();
            int vocab = stories.config().vocabularySize();
            float[] logits = plain.forward(all, 0, stories.model().newFullCache(), null, true);
            for (QualitySample qs : of(events, QualitySample.class, 0)) {
                int p = qs.step();
                float[] row = java.util.Arrays.copyOfRange(logits, p * vocab, (p + 1) * vocab);
                if (p + 1 < all.length) {
                    assertEquals(Distributions.nll(row, all[p + 1]), qs.nll(), 1e-3, "position " + p);
                } else {
                    assertTrue(Double.isNaN(qs.nll()));
                }
            }
            // A second full lane is the reference exactly.
            for (QualitySample qs : of(events, QualitySample.class, 2)) {
                assertEquals(0.0, qs.klToFull(), 1e-9);
            }
        }
    }

    @Test
    void freeRunningLanesSampleTheirOwnTokensDeterministically() {
        String other = evicting("streamingllm", "h2o", "snapkv");
        int[] prompt = stories.tokenizer().encode(STORY, true, false);
        SessionSettings settings = SessionSettings.freeRunning(prompt, 40, new SamplingSettings(0.9f, 40, 0.95f, 11));
        List<LaneConfig> lanes = LaneConfig.withFullReference(List.of(LaneConfig.parse("full", "1.0"),
                LaneConfig.parse(other, "8")));
        List<SessionEvent> first;
        List<SessionEvent> second;
        try (Session s = new Session(stories, settings, lanes)) {
            EventQueue q = s.events().subscribe(FrameRequest.NONE);
            s.runToEnd();
            first = q.drain();
        }
        try (Session s = new Session(stories, settings, lanes)) {
            EventQueue q = s.events().subscribe(FrameRequest.NONE);
            s.runToEnd();
            second = q.drain();
        }
        int p = prompt.length;
        int[] full = fed(first, 0, p);
        assertTrue(full.length > 0);
        // Two full-cache lanes see the same logits and the same seeded draws: the same tokens.
        int[] twin = fed(first, 1, p);
        assertArrayEquals(full, twin);
        // The evicting lane samples from its own logits (budget 8): its text differs.
        int[] squeezed = fed(first, 2, p);
        assertNotEquals(java.util.Arrays.toString(full), java.util.Arrays.toString(squeezed));
        // Deterministic: the same settings give the same tokens again.
        for (int lane = 0; lane < 3; lane++) {
            assertArrayEquals(fed(first, lane, p), fed(second, lane, p));
        }
    }

    @Test
    void freeRunningGreedyLaneZeroFollowsTheReference() {
        JsonNode bos = reference.get("bos_only");
        int n = 60;
        SessionSettings settings = SessionSettings.freeRunning(new int[] {1}, n, SamplingSettings.GREEDY);
        try (Session s = new Session(stories, settings, List.of(LaneConfig.FULL))) {
            EventQueue q = s.events().subscribe(FrameRequest.NONE);
            s.runToEnd();
            assertArrayEquals(ids(bos.get("generated_ids"), n), fed(q.drain(), 0, 1));
        }
    }

    @Test
    void stepBackReplaysToTheSameStateAndContinuesTheSameWay() {
        String other = evicting("h2o", "streamingllm", "snapkv");
        int[] prompt = stories.tokenizer().encode(STORY, true, false);
        SessionSettings settings = SessionSettings.generate(prompt, 30);
        List<LaneConfig> lanes = LaneConfig.withFullReference(List.of(LaneConfig.parse(other, "16")));
        LaneSnapshot straightAt12;
        List<SessionEvent> straight;
        try (Session s = new Session(stories, settings, lanes)) {
            EventQueue q = s.events().subscribe(FrameRequest.NONE);
            s.step(13).join(); // prompt + 12 tokens
            straightAt12 = s.snapshot(1).join();
            s.runToEnd();
            straight = q.drain();
        }
        try (Session s = new Session(stories, settings, lanes)) {
            EventQueue q = s.events().subscribe(FrameRequest.NONE);
            s.step(21).join(); // prompt + 20 tokens
            s.stepBack(8).join();
            LaneSnapshot back = s.snapshot(1).join();
            assertEquals(straightAt12.nextPosition(), back.nextPosition());
            assertArrayEquals(straightAt12.tokens(), back.tokens());
            for (int l = 0; l < back.keptPositions().length; l++) {
                for (int g = 0; g < back.keptPositions()[l].length; g++) {
                    assertArrayEquals(straightAt12.keptPositions()[l][g], back.keptPositions()[l][g]);
                }
            }
            assertArrayEquals(straightAt12.logits(), back.logits(), 1e-4f);
            s.runToEnd();
            List<SessionEvent> events = q.drain();
            SessionRewound rewound = (SessionRewound) events.stream().filter(e -> e instanceof SessionRewound)
                    .findFirst().orElseThrow();
            assertEquals(prompt.length + 12, rewound.position());
            assertEquals(2, events.stream().filter(e -> e instanceof LaneRebuilt).count());
            // After the rewind the stream continues exactly as the straight run did.
            int after = events.indexOf(rewound);
            List<SessionEvent> tail = events.subList(after, events.size());
            int[] straightTail = steps(straight, 0).stream().filter(t -> t.position() >= rewound.position())
                    .mapToInt(TokenStep::token).toArray();
            int[] replayedTail = steps(tail, 0).stream().mapToInt(TokenStep::token).toArray();
            assertArrayEquals(straightTail, replayedTail);
            assertArrayEquals(fed(straight, 0, prompt.length), fed(straight, 1, prompt.length));
        }
    }

    @Test
    void controlMethodsReturnAtOnceAndComputeRunsOnTheWorker() throws Exception {
        int[] prompt = stories.tokenizer().encode(STORY, true, false);
        SessionSettings settings = SessionSettings.generate(prompt, 400);
        try (Session s = new Session(stories, settings, List.of(LaneConfig.FULL))) {
            EventQueue q = s.events().subscribe(FrameRequest.NONE);
            long t0 = System.nanoTime();
            var running = s.run();
            long queued = System.nanoTime() - t0;
            assertTrue(queued < TimeUnit.MILLISECONDS.toNanos(50), "run() took " + queued / 1e6 + " ms");
            // Wait for some progress, then pause: the run future completes, positions stop growing.
            while (steps(q.drain(), 0).isEmpty()) {
                Thread.sleep(1);
            }
            s.pause().get(10, TimeUnit.SECONDS);
            running.get(10, TimeUnit.SECONDS);
            assertEquals(Session.State.PAUSED, s.state());
            q.drain();
            Thread.sleep(50);
            assertTrue(steps(q.drain(), 0).isEmpty(), "no steps while paused");
            s.step().get(10, TimeUnit.SECONDS);
            assertEquals(1, steps(q.drain(), 0).size());
            s.stop().get(10, TimeUnit.SECONDS);
            s.close(); // waits for the worker to close the stream
            List<SessionEvent> tail = q.drain();
            assertEquals("stopped", ((SessionEnded) tail.getLast()).reason());
            assertTrue(q.isClosed());
        }
    }

    @Test
    void badLanesAndTokensAreRefused() {
        int[] prompt = {1, 403};
        var e = assertThrows(IllegalArgumentException.class, () -> new Session(stories,
                SessionSettings.generate(prompt, 4), List.of(LaneConfig.parse(evicting("h2o", "streamingllm"), "8"))));
        assertTrue(e.getMessage().contains("lane 0 must be the full cache"), e.getMessage());
        var t = assertThrows(IllegalArgumentException.class, () -> new Session(stories,
                SessionSettings.generate(new int[] {1, 9999}, 4), List.of(LaneConfig.FULL)));
        assertTrue(t.getMessage().contains("9999"), t.getMessage());
        var b = assertThrows(IllegalArgumentException.class, () -> LaneConfig.parseList("snapkv"));
        assertTrue(b.getMessage().contains("no budget"), b.getMessage());
        var o = assertThrows(IllegalArgumentException.class, () -> LaneConfig.parse("full:nope=1", "4"));
        assertTrue(o.getMessage().contains("has no option 'nope'"), o.getMessage());
    }

    @Test
    void framesAreBinnedForEveryHeadAndFullOnlyWhereAsked() {
        int[] prompt = stories.tokenizer().encode(STORY, true, false);
        SessionSettings settings = SessionSettings.generate(prompt, 5).withBins(16);
        HeadRef watched = new HeadRef(2, 5);
        try (Session s = new Session(stories, settings, List.of(LaneConfig.FULL))) {
            EventQueue all = s.events().subscribe(new FrameRequest(true, Set.of(watched)));
            EventQueue none = s.events().subscribe(FrameRequest.NONE);
            s.runToEnd();
            List<SessionEvent> got = all.drain();
            List<AttentionFrame> frames = of(got, AttentionFrame.class, 0);
            assertFalse(frames.isEmpty());
            assertTrue(none.drain().stream().noneMatch(e -> e instanceof AttentionFrame));
            int last = prompt.length + 5 - 1;
            // Nobody reads while the run goes, so only the newest frame per (layer, head, kind) is left.
            var config = stories.config();
            assertEquals(config.layers() * config.heads() + 1, frames.size());
            for (AttentionFrame f : frames) {
                assertEquals(last, f.step());
                if (!f.binned()) {
                    assertEquals(watched, new HeadRef(f.layer(), f.head()));
                    assertEquals(last + 1, f.positions().length);
                } else {
                    assertEquals(16, f.positions().length);
                    // Hand rule: bin b starts at ceil(b * (step + 1) / 16).
                    for (int b = 0; b < 16; b++) {
                        assertEquals((int) Math.ceil(b * (last + 1) / 16.0), f.positions()[b]);
                    }
                    double sum = 0;
                    for (float w : f.weights()) {
                        sum += w;
                    }
                    assertEquals(1.0, sum, 1e-4);
                }
            }
            // The binned frame of the watched head sums the full frame's weights per bin.
            AttentionFrame full = frames.stream().filter(f -> !f.binned()).findFirst().orElseThrow();
            AttentionFrame binned = frames.stream().filter(f -> f.binned() && f.layer() == 2 && f.head() == 5)
                    .findFirst().orElseThrow();
            double[] sums = new double[16];
            for (int i = 0; i < full.positions().length; i++) {
                int p = full.positions()[i];
                int b = 15;
                while (binned.positions()[b] > p) {
                    b--;
                }
                sums[b] += full.weights()[i];
            }
            for (int b = 0; b < 16; b++) {
                assertEquals(sums[b], binned.weights()[b], 1e-5);
            }
            assertTrue(all.framesReplaced() > 0);
        }
    }

    static List<SessionEvent> collect(Session s) {
        EventQueue q = s.events().subscribe(FrameRequest.NONE);
        s.runToEnd();
        return new ArrayList<>(q.drain());
    }
}
