package dev.kvlens.viewer;

import dev.kvlens.inference.session.event.AttentionFrame;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Hand-made session events for view tests: lane 0 full cache, lane 1 a sliding window with
 * {@code sinks} attention sinks ("StreamingLLM"-like: keeps positions {@code < sinks} and the last
 * {@code window}). Each head's attention is a softmax over held positions of a score that mixes a
 * sink bonus, a recency decay with a per-head rate and a bonus on "heavy" tokens, so heads differ
 * visibly. Everything is computed here, independently of the viewer.
 */
final class SyntheticSession {

    static final String[] WORDS = ("Once upon a time , a little fox named Pip lived near a quiet river . Every morning"
            + " Pip walked to the water and counted the stones . One day a heron asked Pip why he counted"
            + " them , and Pip said that the river moved the stones at night").split(" ");

    final int layers;
    final int heads;
    final int kvHeads;
    final int promptLength;
    final int steps;
    final int sinks;
    final int window;
    final List<SessionEvent> events = new ArrayList<>();
    final ModelInfo model;

    SyntheticSession(int layers, int heads, int kvHeads, int promptLength, int steps, int sinks, int window,
                     boolean fullFrames) {
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.promptLength = promptLength;
        this.steps = steps;
        this.sinks = sinks;
        this.window = window;
        this.model = new ModelInfo("synthetic-test", "llama", layers, heads, kvHeads, 16, 32000, 2L * layers * kvHeads * 16 * 4);
        List<String> prompt = new ArrayList<>();
        int[] ids = new int[promptLength];
        for (int p = 0; p < promptLength; p++) {
            prompt.add(word(p));
            ids[p] = 100 + p;
        }
        List<LaneInfo> lanes = List.of(
                new LaneInfo(0, "full", "Full cache", "unlimited", Map.of(), false),
                new LaneInfo(1, "streamingllm", "StreamingLLM", (sinks + window) + " entries/KV head",
                        Map.of("sinks", Integer.toString(sinks)), false));
        events.add(new SessionStarted(2, model, lanes, "teacher-forced", ids, prompt));
        int last = promptLength - 1 + steps;
        for (int step = promptLength - 1; step <= last; step++) {
            for (int lane = 0; lane < 2; lane++) {
                if (step >= promptLength) {
                    events.add(new TokenStep(lane, step, 100 + step, word(step), new int[] {1}, new float[] {1f}));
                }
                // Decisions: the window lane evicts whatever fell out of [step - window + 1, step] beyond the sinks.
                if (lane == 1) {
                    for (int l = 0; l < layers; l++) {
                        for (int g = 0; g < kvHeads; g++) {
                            int[] ev = evictedAt(step);
                            if (ev.length > 0) {
                                events.add(new CacheDecision(1, step, l, g, ev, held(1, step), sinks + window));
                            }
                        }
                    }
                }
                int[][] entries = new int[layers][kvHeads];
                long[][] bytes = new long[layers][kvHeads];
                for (int[] e : entries) {
                    Arrays.fill(e, held(lane, step));
                }
                for (long[] b : bytes) {
                    Arrays.fill(b, held(lane, step) * 2L * 16 * 4);
                }
                events.add(new BudgetPlan(lane, step, entries));
                events.add(new MemorySample(lane, step, bytes, (long) held(lane, step) * model.kvBytesPerToken(),
                        (step + 1L) * model.kvBytesPerToken()));
                for (int l = 0; l < layers; l++) {
                    for (int h = 0; h < heads; h++) {
                        AttentionFrame f = frame(lane, step, l, h);
                        events.add(fullFrames ? f : binned(f, 16));
                    }
                }
                double kl = lane == 0 ? 0 : 0.02 * Math.max(0, step - sinks - window + 1);
                events.add(new QualitySample(lane, step, kl, lane == 0 || step % 5 != 0, 2.0 + Math.sin(step * 0.3),
                        lane == 0 ? 1 : massKept(step), lane == 0 ? 0 : kl / 4));
            }
        }
        events.add(new SessionEnded("limit", last + 1));
    }

    static String word(int p) {
        return (p == 0 ? "" : "\u2581") + WORDS[p % WORDS.length];
    }

    /** Entries a lane holds after {@code step}. */
    int held(int lane, int step) {
        return lane == 0 ? step + 1 : Math.min(step + 1, sinks + window);
    }

    /** Whether the window lane holds {@code p} after {@code step}. */
    boolean windowHolds(int p, int step) {
        return p <= step && (p < sinks || p > step - window);
    }

    /** Positions the window lane evicts at {@code step} (newly out of the window). */
    int[] evictedAt(int step) {
        if (step == promptLength - 1) {
            List<Integer> out = new ArrayList<>();
            for (int p = 0; p <= step; p++) {
                if (!windowHolds(p, step)) {
                    out.add(p);
                }
            }
            return out.stream().mapToInt(Integer::intValue).toArray();
        }
        int p = step - window;
        return p >= sinks ? new int[] {p} : new int[0];
    }

    /** Unnormalised attention score of query {@code q} on key {@code k} for a head. */
    double score(int layer, int head, int q, int k) {
        double rate = 0.15 + 0.25 * ((head + layer) % 4);
        double s = -rate * (q - k);
        if (k == 0) {
            s += 3.0 + layer * 0.5; // a sink, stronger in deeper layers
        }
        if (WORDS[k % WORDS.length].equals("Pip")) {
            s += 1.5 + 0.4 * (head % 3); // a heavy hitter
        }
        return s;
    }

    AttentionFrame frame(int lane, int step, int layer, int head) {
        List<Integer> pos = new ArrayList<>();
        for (int p = 0; p <= step; p++) {
            if (lane == 0 || windowHolds(p, step)) {
                pos.add(p);
            }
        }
        int[] positions = pos.stream().mapToInt(Integer::intValue).toArray();
        double[] e = new double[positions.length];
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int i = 0; i < positions.length; i++) {
            e[i] = score(layer, head, step, positions[i]);
            max = Math.max(max, e[i]);
        }
        for (int i = 0; i < e.length; i++) {
            e[i] = Math.exp(e[i] - max);
            sum += e[i];
        }
        float[] w = new float[e.length];
        for (int i = 0; i < e.length; i++) {
            w[i] = (float) (e[i] / sum);
        }
        return new AttentionFrame(lane, step, layer, head, false, positions, w);
    }

    /** The engine's binning rule (FrameCapture): position p in bin floor(p * nb / (step + 1)). */
    static AttentionFrame binned(AttentionFrame f, int bins) {
        long span = f.step() + 1L;
        int nb = (int) Math.min(bins, span);
        int[] edges = new int[nb];
        for (int b = 0; b < nb; b++) {
            edges[b] = (int) ((b * span + nb - 1) / nb);
        }
        float[] sums = new float[nb];
        for (int i = 0; i < f.positions().length; i++) {
            sums[(int) (f.positions()[i] * (long) nb / span)] += f.weights()[i];
        }
        return new AttentionFrame(f.lane(), f.step(), f.layer(), f.head(), true, edges, sums);
    }

    double massKept(int step) {
        double kept = 0, all = 0;
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                AttentionFrame f = frame(0, step, l, h);
                for (int i = 0; i < f.positions().length; i++) {
                    all += f.weights()[i];
                    if (windowHolds(f.positions()[i], step)) {
                        kept += f.weights()[i];
                    }
                }
            }
        }
        return kept / all;
    }
}
