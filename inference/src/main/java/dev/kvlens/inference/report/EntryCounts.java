package dev.kvlens.inference.report;

import dev.kvlens.inference.session.event.BudgetPlan;
import dev.kvlens.inference.session.event.CacheDecision;

import java.util.Map;
import java.util.TreeMap;

/**
 * Entries one lane holds per (layer, KV head) at any step, reconstructed from its cache decisions and budget
 * plans. A decision or plan at step {@code s} fixes the count after position {@code s}; every later position
 * adds one entry until the next decision. A head no policy touched holds every position so far.
 */
final class EntryCounts {

    private final int layers;
    private final int kvHeads;
    /** Per head: step of a decision or plan -> entries held right after it (a later event for a step wins). */
    private final TreeMap<Integer, Integer>[][] anchors;

    @SuppressWarnings({"unchecked", "rawtypes"})
    EntryCounts(int layers, int kvHeads) {
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.anchors = new TreeMap[layers][kvHeads];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                anchors[l][h] = new TreeMap<>();
            }
        }
    }

    void add(CacheDecision decision) {
        if (inRange(decision.layer(), decision.kvHead())) {
            anchors[decision.layer()][decision.kvHead()].put(decision.step(), decision.keptCount());
        }
    }

    void add(BudgetPlan plan) {
        int[][] entries = plan.entries();
        for (int l = 0; l < Math.min(layers, entries.length); l++) {
            int[] row = entries[l];
            for (int h = 0; row != null && h < Math.min(kvHeads, row.length); h++) {
                anchors[l][h].put(plan.step(), row[h]);
            }
        }
    }

    /** Entries held by (layer, kvHead) once position {@code step} has been processed. */
    int at(int layer, int kvHead, int step) {
        Map.Entry<Integer, Integer> anchor = anchors[layer][kvHead].floorEntry(step);
        return anchor == null ? step + 1 : anchor.getValue() + (step - anchor.getKey());
    }

    /** {@code [layer][kvHead]} entries held after {@code step}. */
    int[][] matrixAt(int step) {
        int[][] m = new int[layers][kvHeads];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                m[l][h] = at(l, h, step);
            }
        }
        return m;
    }

    /** Sum over all layers and KV heads after {@code step}. */
    long totalAt(int step) {
        long total = 0;
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                total += at(l, h, step);
            }
        }
        return total;
    }

    private boolean inRange(int layer, int kvHead) {
        return layer >= 0 && layer < layers && kvHead >= 0 && kvHead < kvHeads;
    }
}
