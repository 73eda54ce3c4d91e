package dev.kvlens.inference.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.ModelFileException;
import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.SessionStarted;
import dev.kvlens.inference.session.event.TokenStep;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordingTest {

    static List<SessionEvent> live;
    static Path recorded;
    static byte[] bytes;

    @TempDir
    static Path dir;

    /** A 3-lane session recorded by the Recorder while a second subscriber keeps every event. */
    @BeforeAll
    static void record() throws Exception {
        SessionTest.load();
        var stories = SessionTest.stories;
        int[] prompt = stories.tokenizer().encode(SessionTest.STORY, true, false);
        List<LaneConfig> lanes = LaneConfig.withFullReference(List.of(
                LaneConfig.parse(SessionTest.evicting("h2o", "tova", "streamingllm"), "16"),
                LaneConfig.parse(SessionTest.evicting("streamingllm", "h2o", "snapkv"), "12")));
        FrameRequest frames = new FrameRequest(true, Set.of(new HeadRef(1, 3)));
        try (Session s = new Session(stories, SessionSettings.generate(prompt, 12).withBins(8), lanes)) {
            EventQueue keep = s.events().subscribe(frames);
            Recorder recorder = Recorder.start(s.events(), dir.resolve("run.kvlrec"), frames);
            s.runToEnd();
            s.stepBack(3).join(); // rewinds and lane rebuilds are recorded too
            s.changeLane(2, LaneConfig.parse("full", "1.0")).join();
            s.close();
            recorded = recorder.finish();
            live = keep.drain();
        }
        bytes = Files.readAllBytes(recorded);
    }

    @Test
    void roundTripGivesBackEveryEvent() throws IOException {
        // Written from a list: every event, frames included, comes back in order.
        Path listed = Recording.write(dir.resolve("listed.kvlrec"), live);
        assertSame(live, Recording.read(listed).events());

        // Recorded live: the recorder read while the session ran, so it got more frames than the
        // idle subscriber; every other event is lossless and identical, in the same order.
        Recording r = Recording.read(recorded);
        assertEquals(SessionEvent.FORMAT_VERSION, r.version());
        assertSame(live.stream().filter(e -> !(e instanceof AttentionFrame)).toList(),
                r.events().stream().filter(e -> !(e instanceof AttentionFrame)).toList());
        assertTrue(r.events().stream().filter(e -> e instanceof AttentionFrame).count()
                >= live.stream().filter(e -> e instanceof AttentionFrame).count());
        SessionStarted started = (SessionStarted) r.events().getFirst();
        SessionStarted original = (SessionStarted) live.getFirst();
        assertArrayEquals(original.promptTokens(), started.promptTokens());
        assertEquals(original.promptPieces(), started.promptPieces());
        assertEquals(original.lanes(), started.lanes());
        assertEquals(original.model(), started.model());
        TokenStep t = r.events().stream().filter(e -> e instanceof TokenStep).map(e -> (TokenStep) e)
                .reduce((x, y) -> y).orElseThrow();
        assertFalse(t.text().isEmpty());
        AttentionFrame full = r.events().stream().filter(e -> e instanceof AttentionFrame f && !f.binned())
                .map(e -> (AttentionFrame) e).findFirst().orElseThrow();
        assertEquals(full.positions().length, full.weights().length);
        assertTrue(r.events().stream().anyMatch(e -> e instanceof dev.kvlens.inference.session.event.SessionRewound));
        // No temporary file is left beside the recording.
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.map(Path::toString).filter(n -> n.endsWith(".tmp")).toList());
        }
    }

    /** Same events: same types and same encoded bytes (every field, arrays included). */
    static void assertSame(List<SessionEvent> expected, List<SessionEvent> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            SessionEvent a = expected.get(i);
            SessionEvent b = actual.get(i);
            assertEquals(a.getClass(), b.getClass());
            assertArrayEquals(RecordingCodec.encode(a), RecordingCodec.encode(b), "event " + i + " " + a);
        }
    }

    @Test
    void everyTruncationIsNamed() throws IOException {
        for (int cut : new int[] {0, 3, 6, 8, 10, 11, 17, bytes.length / 2, bytes.length - 13, bytes.length - 1}) {
            Path p = dir.resolve("cut-" + cut);
            Files.write(p, java.util.Arrays.copyOf(bytes, cut));
            var e = assertThrows(ModelFileException.class, () -> Recording.read(p), "cut at " + cut);
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
            if (cut >= 6) {
                assertTrue(e.getMessage().contains("truncated"), "cut at " + cut + ": " + e.getMessage());
                assertTrue(e.offset() >= 0 && e.offset() <= cut, e.getMessage());
            }
        }
    }

    @Test
    void flippedBytesAreCaughtByTheChecksum() throws IOException {
        // Flip one byte in the payload of the second record (a TokenStep or frame after SessionStarted).
        int first = 10 + 1 + 4 + ByteBuffer.wrap(bytes, 11, 4).getInt() + 4;
        int target = first + 1 + 4 + 2;
        byte[] bad = bytes.clone();
        bad[target] ^= 0x40;
        Path p = dir.resolve("flipped");
        Files.write(p, bad);
        var e = assertThrows(ModelFileException.class, () -> Recording.read(p));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        assertEquals(first, e.offset());
        // A length made huge is refused before anything is allocated.
        byte[] huge = bytes.clone();
        ByteBuffer.wrap(huge).putInt(first + 1, Integer.MAX_VALUE - 3);
        Path h = dir.resolve("huge");
        Files.write(h, huge);
        var he = assertThrows(ModelFileException.class, () -> Recording.read(h));
        assertTrue(he.getMessage().contains("corrupt"), he.getMessage());
    }

    @Test
    void newerVersionsAndOtherFilesAreRefusedClearly() throws IOException {
        byte[] newer = bytes.clone();
        ByteBuffer.wrap(newer).putInt(6, SessionEvent.FORMAT_VERSION + 1);
        Path p = dir.resolve("newer");
        Files.write(p, newer);
        var e = assertThrows(ModelFileException.class, () -> Recording.read(p));
        assertTrue(e.getMessage().contains("newer than this KV Lens reads"), e.getMessage());
        assertEquals(6, e.offset());

        Path gguf = SessionTest.MODELS.resolve("stories260K.gguf");
        var g = assertThrows(ModelFileException.class, () -> Recording.read(gguf));
        assertTrue(g.getMessage().contains("not a KV Lens recording"), g.getMessage());

        byte[] extra = java.util.Arrays.copyOf(bytes, bytes.length + 5);
        Path x = dir.resolve("extra");
        Files.write(x, extra);
        var xe = assertThrows(ModelFileException.class, () -> Recording.read(x));
        assertTrue(xe.getMessage().contains("follow the end record"), xe.getMessage());
    }

    @Test
    void aFailedWriteLeavesTheTargetUntouched() throws IOException {
        Path target = dir.resolve("kept.kvlrec");
        Recording.write(target, live.subList(0, 3));
        byte[] before = Files.readAllBytes(target);
        try (RecordingWriter w = new RecordingWriter(target)) {
            w.write(live.get(0));
            // closed without finish(): abandoned
        }
        assertArrayEquals(before, Files.readAllBytes(target));
        assertEquals(3, Recording.read(target).events().size());
    }
}
