package dev.kvlens.viewer;

import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.LaneInfo;
import java.util.ArrayList;
import java.util.Arrays;

/**
 * What the views know about one lane, built by {@link SessionViewModel} from events (FX thread).
 *
 * <p>Memory: the newest frame per (layer, head) (binned and full resolution: {@code 2 * layers *
 * heads} frames), one eviction step per (layer, KV head, position) ({@code 4 * layers * kvHeads *
 * positions} bytes), the latest budget plan, and one row per step of memory and quality samples
 * (56 bytes per step). Frame history for the selected heads is held by the model under its own bound.
 */
public final class LaneState {

    /** {@link #evictedAt} value of a position its KV head still holds. */
    public static final int HELD = Integer.MAX_VALUE;

    /** Columns of {@link #memory()}: total bytes, full-cache bytes. */
    public static final int MEM_TOTAL = 0, MEM_FULL = 1;
    /** Columns of {@link #quality()}. top-1 is 1 or 0, running is the agreement so far (0..1). */
    public static final int Q_KL = 0, Q_TOP1 = 1, Q_TOP1_RUNNING = 2, Q_NLL = 3, Q_MASS = 4, Q_OUTPUT_ERROR = 5;

    private final int index;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private LaneInfo info;
    private final AttentionFrame[][] binned;
    private final AttentionFrame[][] full;
    private final int[][][] evictedAt; // [layer][kvHead][position] -> step evicted, or HELD
    private int evictionsKnownFrom;
    private int[][] planEntries;
    private int planStep = -1;
    private final int[][] budgets;
    private long[][] bytesPerHead;
    private final StepSeries memory = new StepSeries(2);
    private final StepSeries quality = new StepSeries(6);
    private int latestStep = -1;
    private final ArrayList<String> pieces = new ArrayList<>();

    LaneState(int index, LaneInfo info, int layers, int heads, int kvHeads) {
        this.index = index;
        this.info = info;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.binned = new AttentionFrame[layers][heads];
        this.full = new AttentionFrame[layers][heads];
        this.evictedAt = new int[layers][kvHeads][];
        for (int[][] l : evictedAt) {
            for (int g = 0; g < kvHeads; g++) {
                l[g] = new int[0];
            }
        }
        this.budgets = new int[layers][kvHeads];
        for (int[] b : budgets) {
            Arrays.fill(b, Integer.MAX_VALUE);
        }
    }

    public int index() {
        return index;
    }

    public LaneInfo info() {
        return info;
    }

    /** "lane 1 · snapkv-like · 64 entries/KV head", for legends. */
    public String displayName() {
        if (info == null) {
            return "lane " + index;
        }
        String s = "lane " + index + " · " + info.label();
        if (!"unlimited".equals(info.budget())) {
            s += " · " + info.budget();
        }
        return info.simulated() ? s + " (simulated)" : s;
    }

    /** Tokens known: positions {@code [0, positions())}. */
    public int positions() {
        return pieces.size();
    }

    /** The text of the token at {@code position} ("" when unknown). */
    public String piece(int position) {
        if (position < 0 || position >= pieces.size()) {
            return "";
        }
        String s = pieces.get(position);
        return s == null ? "" : s;
    }

    /** Newest step any event reported for this lane, or -1. */
    public int latestStep() {
        return latestStep;
    }

    /** Newest attention frame of a head: full resolution when it is at least as new as the binned one. */
    public AttentionFrame latestFrame(int layer, int head) {
        AttentionFrame f = full[layer][head];
        AttentionFrame b = binned[layer][head];
        if (f == null) {
            return b;
        }
        return b == null || f.step() >= b.step() ? f : b;
    }

    public AttentionFrame latestBinned(int layer, int head) {
        return binned[layer][head];
    }

    public AttentionFrame latestFull(int layer, int head) {
        return full[layer][head];
    }

    /**
     * The step at which {@code (layer, kvHead)} evicted {@code position}, or {@link #HELD}. Steps before
     * {@link #evictionsKnownFrom()} are not known (a live change rebuilt the lane without decisions).
     */
    public int evictedAt(int layer, int kvHead, int position) {
        int[] e = evictedAt[layer][kvHead];
        return position < e.length ? e[position] : HELD;
    }

    /** Whether {@code (layer, kvHead)} holds {@code position} after step {@code step}. */
    public boolean holds(int layer, int kvHead, int position, int step) {
        return position <= step && evictedAt(layer, kvHead, position) > step;
    }

    public int evictionsKnownFrom() {
        return evictionsKnownFrom;
    }

    /** Entries held per layer and KV head after the latest compression, or null before any plan. */
    public int[][] planEntries() {
        return planEntries;
    }

    public int planStep() {
        return planStep;
    }

    /** Budget (entries allowed) per layer and KV head from the latest decisions; MAX_VALUE when unbounded. */
    public int budget(int layer, int kvHead) {
        return budgets[layer][kvHead];
    }

    /** Bytes per layer and KV head at the latest memory sample, or null. */
    public long[][] bytesPerHead() {
        return bytesPerHead;
    }

    /** Per step: {@link #MEM_TOTAL}, {@link #MEM_FULL}. */
    public StepSeries memory() {
        return memory;
    }

    /** Per step: {@link #Q_KL}, {@link #Q_TOP1}, {@link #Q_TOP1_RUNNING}, {@link #Q_NLL}, {@link #Q_MASS}, {@link #Q_OUTPUT_ERROR}. */
    public StepSeries quality() {
        return quality;
    }

    // ---- updates (SessionViewModel only) ----

    void piece(int position, String text) {
        if (position < 0) {
            return;
        }
        while (pieces.size() <= position) {
            pieces.add(null);
        }
        pieces.set(position, text);
        seen(position);
    }

    void seen(int step) {
        latestStep = Math.max(latestStep, step);
    }

    void frame(AttentionFrame f) {
        if (f.layer() >= layers || f.head() >= heads) {
            return;
        }
        (f.binned() ? binned : full)[f.layer()][f.head()] = f;
        seen(f.step());
    }

    void decision(int step, int layer, int kvHead, int[] evicted, int budget) {
        if (layer >= layers || kvHead >= kvHeads) {
            return;
        }
        int[] e = evictedAt[layer][kvHead];
        for (int p : evicted) {
            if (p < 0) {
                continue;
            }
            if (p >= e.length) {
                int old = e.length;
                e = Arrays.copyOf(e, Math.max(p + 1, old * 2 + 16));
                Arrays.fill(e, old, e.length, HELD);
                evictedAt[layer][kvHead] = e;
            }
            e[p] = Math.min(e[p], step);
        }
        budgets[layer][kvHead] = budget;
        seen(step);
    }

    void plan(int step, int[][] entries) {
        planEntries = entries;
        planStep = step;
        seen(step);
    }

    void memory(int step, long[][] bytes, long total, long fullBytes) {
        bytesPerHead = bytes;
        memory.put(step, total, fullBytes);
        seen(step);
    }

    void quality(int step, double kl, boolean top1, double nll, double mass, double outputError) {
        quality.truncateFrom(step);
        double agreed = quality.size() == 0 ? 0 : quality.last(Q_TOP1_RUNNING) * quality.size();
        double t = top1 ? 1 : 0;
        quality.put(step, kl, t, (agreed + t) / (quality.size() + 1), nll, mass, outputError);
        seen(step);
    }

    /** Forgets everything about positions/steps {@code >= position} (a step back or a rebuild). */
    void rewind(int position) {
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                if (binned[l][h] != null && binned[l][h].step() >= position) {
                    binned[l][h] = null;
                }
                if (full[l][h] != null && full[l][h].step() >= position) {
                    full[l][h] = null;
                }
            }
            for (int g = 0; g < kvHeads; g++) {
                int[] e = evictedAt[l][g];
                for (int p = 0; p < e.length; p++) {
                    if (p >= position || e[p] >= position) {
                        e[p] = HELD;
                    }
                }
            }
        }
        memory.truncateFrom(position);
        quality.truncateFrom(position);
        while (pieces.size() > Math.max(position, 0)) {
            pieces.removeLast();
        }
        latestStep = Math.min(latestStep, position - 1);
    }

    /** A new configuration: decisions made by the old one no longer describe the cache. */
    void reconfigure(LaneInfo newInfo, int position) {
        if (!newInfo.equals(info)) {
            for (int[][] l : evictedAt) {
                for (int g = 0; g < kvHeads; g++) {
                    l[g] = new int[0];
                }
            }
            evictionsKnownFrom = position;
            for (int[] b : budgets) {
                Arrays.fill(b, Integer.MAX_VALUE);
            }
        }
        info = newInfo;
    }

    long bytes() {
        long b = memory.bytes() + quality.bytes() + 48L * pieces.size();
        for (int[][] l : evictedAt) {
            for (int[] e : l) {
                b += 4L * e.length;
            }
        }
        for (AttentionFrame[][] kind : new AttentionFrame[][][] {binned, full}) {
            for (AttentionFrame[] l : kind) {
                for (AttentionFrame f : l) {
                    if (f != null) {
                        b += 8L * f.weights().length + 64;
                    }
                }
            }
        }
        return b;
    }
}
