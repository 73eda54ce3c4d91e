package dev.kvlens.inference.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.cli.KvLensCommand;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.SessionEvent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capture bound of {@link EventQueue} on the 143 M synth shape (30 layers, dim 576, 9 heads,
 * 3 KV heads, FFN 1536, Llama-2 vocabulary, q4_0): a subscriber that asks for every head binned
 * and 8 heads at full resolution, and reads nothing until the end, holds at most the stated bytes
 * of frames, and the heap it holds is that plus its lossless events. 512 tokens by default; set
 * {@code -Dkvlens.captureTokens=4096} for the full-length run.
 */
class CaptureBoundTest {

    @TempDir
    Path dir;

    @Test
    void framesOfASubscriberThatFallsBehindStayUnderTheBound() throws Exception {
        int tokens = Integer.getInteger("kvlens.captureTokens", 512);
        Path model = dir.resolve("synth-143m-q4_0.gguf");
        StringWriter out = new StringWriter();
        var cl = KvLensCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        int code = cl.execute("synth", "--layers", "30", "--dim", "576", "--heads", "9", "--kv-heads", "3",
                "--ffn", "1536", "--type", "q4_0", "--context", String.valueOf(Math.max(2048, tokens)),
                "--vocab-from", SessionTest.MODELS.resolve("ggml-vocab/ggml-vocab-llama-spm.gguf").toString(),
                "-o", model.toString());
        assertEquals(0, code, out.toString());

        try (LoadedModel loaded = ModelLoader.load(model)) {
            ModelConfig c = loaded.config();
            SplittableRandom random = new SplittableRandom(42);
            int[] all = new int[tokens];
            all[0] = 1;
            for (int i = 1; i < tokens; i++) {
                all[i] = 3 + random.nextInt(c.vocabularySize() - 3); // no BOS/EOS inside the text
            }
            int promptLength = tokens / 2;
            int[] prompt = java.util.Arrays.copyOf(all, promptLength);
            int[] rest = java.util.Arrays.copyOfRange(all, promptLength, tokens);
            int bins = SessionSettings.DEFAULT_BINS;
            SessionSettings settings = SessionSettings.teacherForced(prompt, rest).withMeasureAttention(false);
            Set<HeadRef> watched = new LinkedHashSet<>();
            for (int i = 0; i < 8; i++) {
                watched.add(new HeadRef(i * 4 % c.layers(), i % c.heads()));
            }
            int lanes = 1;
            long bound = lanes * ((long) c.layers() * c.heads() * (8L * bins + EventQueue.FRAME_OVERHEAD_BYTES)
                    + watched.size() * (8L * tokens + EventQueue.FRAME_OVERHEAD_BYTES));

            long t0 = System.nanoTime();
            try (Session s = new Session(loaded, settings, List.of(LaneConfig.FULL))) {
                EventQueue stuck = s.events().subscribe(new FrameRequest(true, watched));
                s.runToEnd();
                double seconds = (System.nanoTime() - t0) / 1e9;
                // What the stuck subscriber holds: the heap with its queue full minus the heap once it
                // has been drained and let go (the caches and buffers of the session stay in both).
                long heapFull = usedHeap();
                long peak = stuck.peakFrameBytes();
                long losslessEvents = stuck.pendingEvents();
                long replaced = stuck.framesReplaced();
                List<SessionEvent> events = stuck.drain();
                List<AttentionFrame> frames = events.stream().filter(e -> e instanceof AttentionFrame)
                        .map(e -> (AttentionFrame) e).toList();
                assertEquals(c.layers() * c.heads() + watched.size(), frames.size());
                for (AttentionFrame f : frames) {
                    assertEquals(tokens - 1, f.step());
                    assertEquals(f.binned() ? bins : tokens, f.positions().length);
                }
                frames = null;
                events = null;
                long heapDrained = usedHeap();
                long held = heapFull - heapDrained;
                // Without coalescing, every step would have left one frame per head and watched head.
                long uncoalesced = 0;
                for (int p = 0; p < tokens; p++) {
                    uncoalesced += (long) c.layers() * c.heads() * (8L * Math.min(bins, p + 1)
                            + EventQueue.FRAME_OVERHEAD_BYTES) + watched.size() * (8L * (p + 1)
                            + EventQueue.FRAME_OVERHEAD_BYTES);
                }
                System.out.printf(Locale.ROOT, "capture bound, %d tokens (%d prompt): bound %,d B, peak pending"
                                + " frames %,d B, frames replaced %,d, heap held by the subscriber %,d B for frames"
                                + " and %d lossless events (uncoalesced frames would hold %,d B), %.1f s%n",
                        tokens, promptLength, bound, peak, replaced, held, losslessEvents, uncoalesced, seconds);

                assertTrue(peak <= bound, "peak " + peak + " > bound " + bound);
                // Frames within the bound, plus the lossless events (under 2 KB each for this shape).
                long allowance = bound + losslessEvents * 2048L + (4L << 20);
                assertTrue(held < allowance, "the subscriber held " + held + " B, allowed " + allowance);
                assertTrue(uncoalesced > 4 * allowance, "the test must be able to tell coalescing from none");
            }
        }
    }

    private static long usedHeap() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
