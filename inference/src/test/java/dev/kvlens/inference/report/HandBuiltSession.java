package dev.kvlens.inference.report;

import dev.kvlens.inference.session.event.BudgetPlan;
import dev.kvlens.inference.session.event.CacheDecision;
import dev.kvlens.inference.session.event.LaneInfo;
import dev.kvlens.inference.session.event.MemorySample;
import dev.kvlens.inference.session.event.ModelInfo;
import dev.kvlens.inference.session.event.QualitySample;
import dev.kvlens.inference.session.event.SessionEnded;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.SessionStarted;
import dev.kvlens.inference.session.event.TokenStep;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A 20-step, 3-lane teacher-forced session written out by hand, with numbers simple enough to work the
 * expected report cells out on paper.
 *
 * <p>Model: 2 layers, 2 KV heads, head width 4, so one entry of one head is 4 floats of K plus 4 of V = 32
 * bytes and a full cache grows by 2 x 2 x 32 = 128 bytes per token.
 * <ul>
 *   <li>lane 0, full cache: KL 0, always agrees, attention kept 1, bytes (s+1) x 128.</li>
 *   <li>lane 1, window of 8 (StreamingLLM-like): from step 8 on each head evicts one position per step
 *       (CacheDecision, keptCount 8); KL 0.01 s from step 8, disagrees at steps 12 and 15, attention kept
 *       0.9 and output error 0.1 from step 8; bytes min(s+1, 8) x 128.</li>
 *   <li>lane 2, one compression at step 9 (BudgetPlan only) to [[6, 5], [2, 3]] entries, growing by one per
 *       head per step afterwards; KL 0.02 (s - 8) from step 9, disagrees at steps 10, 11 and 17;
 *       bytes = entries x 32.</li>
 * </ul>
 * NLL of lane 0 is 2 + 0.25 (s mod 4); the others add their KL to it. Tokens come from lane 0 only; token
 * 3's text holds a comma and quotes to exercise CSV quoting.
 */
final class HandBuiltSession {

    static final int STEPS = 20;
    static final int LAYERS = 2;
    static final int KV_HEADS = 2;
    static final long BYTES_PER_TOKEN = 128;
    static final long BYTES_PER_ENTRY = 32;
    static final String TRICKY_TEXT = " say, \"hi\"";

    private HandBuiltSession() {
    }

    static ModelInfo model() {
        return new ModelInfo("hand-built-2L", "llama", LAYERS, 4, KV_HEADS, 4, 32, BYTES_PER_TOKEN);
    }

    static List<LaneInfo> lanes() {
        return List.of(
                new LaneInfo(0, "full", "FullKV", "unlimited", Map.of(), false),
                new LaneInfo(1, "streamingllm", "StreamingLLM", "8 entries/KV head", Map.of("sinks", "0"), false),
                new LaneInfo(2, "pyramidkv", "PyramidKV-like", "25.0% kept", Map.of("window", "2"), false));
    }

    static String text(int s) {
        return s == 3 ? TRICKY_TEXT : " w" + s;
    }

    static double baseNll(int s) {
        return 2 + 0.25 * (s % 4);
    }

    static List<SessionEvent> events() {
        return events(true);
    }

    /** @param laneZeroSamples whether lane 0 sends quality and memory samples */
    static List<SessionEvent> events(boolean laneZeroSamples) {
        List<SessionEvent> ev = new ArrayList<>();
        int[] prompt = {5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
        List<String> pieces = new ArrayList<>();
        for (int s = 0; s < prompt.length; s++) {
            pieces.add(text(s));
        }
        ev.add(new SessionStarted(SessionEvent.FORMAT_VERSION, model(), lanes(), "teacher-forced", prompt, pieces));
        int[][] plan = {{6, 5}, {2, 3}};
        for (int s = 0; s < STEPS; s++) {
            ev.add(new TokenStep(0, s, s + 5, text(s), new int[]{s + 6}, new float[]{3f}));
            if (laneZeroSamples) {
                ev.add(new QualitySample(0, s, 0, true, baseNll(s), 1, 0));
                ev.add(new MemorySample(0, s, perHead(s + 1, s + 1, s + 1, s + 1), (s + 1) * BYTES_PER_TOKEN,
                        (s + 1) * BYTES_PER_TOKEN));
            }

            if (s >= 8) {
                for (int l = 0; l < LAYERS; l++) {
                    for (int h = 0; h < KV_HEADS; h++) {
                        ev.add(new CacheDecision(1, s, l, h, new int[]{s - 8}, 8, 8));
                    }
                }
            }
            double kl1 = s >= 8 ? 0.01 * s : 0;
            ev.add(new QualitySample(1, s, kl1, !Set.of(12, 15).contains(s), baseNll(s) + kl1, s >= 8 ? 0.9 : 1,
                    s >= 8 ? 0.1 : 0));
            int e1 = Math.min(s + 1, 8);
            ev.add(new MemorySample(1, s, perHead(e1, e1, e1, e1), e1 * 4L * BYTES_PER_ENTRY, (s + 1) * BYTES_PER_TOKEN));

            if (s == 9) {
                ev.add(new BudgetPlan(2, 9, plan));
            }
            int grow = s - 9;
            int[] e2 = s < 9 ? new int[]{s + 1, s + 1, s + 1, s + 1}
                    : new int[]{6 + grow, 5 + grow, 2 + grow, 3 + grow};
            double kl2 = s >= 9 ? 0.02 * (s - 8) : 0;
            ev.add(new QualitySample(2, s, kl2, !Set.of(10, 11, 17).contains(s), baseNll(s) + kl2,
                    s >= 9 ? 0.8 : 1, s >= 9 ? 0.2 : 0));
            long bytes2 = (long) (e2[0] + e2[1] + e2[2] + e2[3]) * BYTES_PER_ENTRY;
            ev.add(new MemorySample(2, s, perHead(e2[0], e2[1], e2[2], e2[3]), bytes2, (s + 1) * BYTES_PER_TOKEN));
        }
        ev.add(new SessionEnded("limit", STEPS));
        return ev;
    }

    private static long[][] perHead(int a, int b, int c, int d) {
        return new long[][]{{a * BYTES_PER_ENTRY, b * BYTES_PER_ENTRY}, {c * BYTES_PER_ENTRY, d * BYTES_PER_ENTRY}};
    }
}
