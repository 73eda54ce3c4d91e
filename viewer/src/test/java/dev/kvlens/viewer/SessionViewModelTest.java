package dev.kvlens.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.CacheDecision;
import dev.kvlens.inference.session.event.LaneInfo;
import dev.kvlens.inference.session.event.LaneRebuilt;
import dev.kvlens.inference.session.event.MemorySample;
import dev.kvlens.inference.session.event.ModelInfo;
import dev.kvlens.inference.session.event.QualitySample;
import dev.kvlens.inference.session.event.SessionRewound;
import dev.kvlens.inference.session.event.SessionStarted;
import dev.kvlens.inference.session.event.TokenStep;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionViewModelTest {

    private static SessionStarted started(int layers, int heads, int kvHeads, int prompt) {
        ModelInfo m = new ModelInfo("t", "llama", layers, heads, kvHeads, 8, 100, 64);
        String[] pieces = new String[prompt];
        int[] ids = new int[prompt];
        for (int i = 0; i < prompt; i++) {
            pieces[i] = "t" + i;
            ids[i] = i;
        }
        return new SessionStarted(2, m, List.of(new LaneInfo(0, "full", "Full", "unlimited", Map.of(), false),
                new LaneInfo(1, "h2o", "H2O", "4 entries/KV head", Map.of(), false)), "teacher-forced", ids,
                List.of(pieces));
    }

    @Test
    void evictionsAreRecordedPerKvHeadAndStep() {
        SessionViewModel vm = new SessionViewModel();
        vm.apply(started(2, 4, 2, 6));
        vm.apply(new CacheDecision(1, 5, 1, 0, new int[] {2, 3}, 4, 4));
        vm.apply(new CacheDecision(1, 7, 1, 0, new int[] {4}, 4, 4));
        LaneState l = vm.lane(1);
        assertTrue(l.holds(1, 0, 2, 4), "before the decision position 2 is held");
        assertFalse(l.holds(1, 0, 2, 5));
        assertFalse(l.holds(1, 0, 3, 9));
        assertTrue(l.holds(1, 0, 4, 6));
        assertFalse(l.holds(1, 0, 4, 7));
        assertTrue(l.holds(1, 1, 2, 9), "other KV head untouched");
        assertTrue(l.holds(0, 0, 2, 9), "other layer untouched");
        assertFalse(l.holds(1, 1, 8, 7), "a future position is not held");
        assertEquals(4, l.budget(1, 0));
        assertEquals(1, vm.kvHeadOf(3));
        assertEquals(0, vm.kvHeadOf(1));
    }

    @Test
    void rewindForgetsLaterStepsAndRebuildWithNewPolicyForgetsDecisions() {
        SessionViewModel vm = new SessionViewModel();
        vm.apply(started(1, 2, 1, 4));
        for (int s = 4; s < 10; s++) {
            vm.apply(new TokenStep(1, s, s, "w" + s, new int[0], new float[0]));
            vm.apply(new MemorySample(1, s, new long[][] {{s}}, s * 10L, s * 20L));
        }
        vm.apply(new CacheDecision(1, 5, 0, 0, new int[] {1}, 4, 4));
        vm.apply(new CacheDecision(1, 8, 0, 0, new int[] {2}, 4, 4));
        vm.apply(new SessionRewound(7));
        LaneState l = vm.lane(1);
        assertEquals(7, l.positions());
        assertEquals(3, l.memory().size()); // steps 4, 5, 6
        assertEquals(6, l.memory().step(2));
        assertFalse(l.holds(0, 0, 1, 6), "decision at step 5 survives a rewind to 7");
        assertTrue(l.holds(0, 0, 2, 6), "decision at step 8 is void after a rewind to 7");
        // A replayed sample at step 6 replaces the old one.
        vm.apply(new MemorySample(1, 6, new long[][] {{1}}, 999, 140));
        assertEquals(3, l.memory().size());
        assertEquals(999, l.memory().last(LaneState.MEM_TOTAL));
        LaneInfo other = new LaneInfo(1, "tova", "TOVA", "4 entries/KV head", Map.of(), false);
        vm.apply(new LaneRebuilt(1, 7, other));
        assertTrue(l.holds(0, 0, 1, 6), "a new policy's decisions are unknown: nothing marked evicted");
        assertEquals(7, l.evictionsKnownFrom());
        assertEquals("lane 1 · TOVA · 4 entries/KV head", l.displayName());
    }

    @Test
    void runningTopOneAgreementIsTheShareSoFar() {
        SessionViewModel vm = new SessionViewModel();
        vm.apply(started(1, 1, 1, 2));
        boolean[] agree = {true, false, true, true};
        double[] expected = {1.0, 0.5, 2 / 3.0, 0.75};
        for (int i = 0; i < agree.length; i++) {
            vm.apply(new QualitySample(1, 2 + i, 0.1, agree[i], 1, 0.9, 0.01));
            assertEquals(expected[i], vm.lane(1).quality().last(LaneState.Q_TOP1_RUNNING), 1e-12);
        }
        // Replaying step 3 with agreement: share over steps 2, 3 = 1.0.
        vm.apply(new QualitySample(1, 3, 0.1, true, 1, 0.9, 0.01));
        assertEquals(2, vm.lane(1).quality().size());
        assertEquals(1.0, vm.lane(1).quality().last(LaneState.Q_TOP1_RUNNING), 1e-12);
    }

    @Test
    void historyOnlyForTrackedHeadsAndWithinItsBound() {
        long bound = 50_000;
        SessionViewModel vm = new SessionViewModel(new ViewSelection(), bound);
        vm.selection().selectHead(1, 1);
        SessionStarted s = started(2, 2, 1, 1);
        vm.apply(s);
        int steps = 3000;
        long peak = 0;
        for (int step = 1; step < steps; step++) {
            for (int layer = 0; layer < 2; layer++) {
                for (int head = 0; head < 2; head++) {
                    int n = step + 1;
                    int[] pos = new int[n];
                    float[] w = new float[n];
                    for (int i = 0; i < n; i++) {
                        pos[i] = i;
                        w[i] = 1f / n;
                    }
                    vm.apply(new AttentionFrame(0, step, layer, head, false, pos, w));
                }
            }
            vm.apply(new TokenStep(0, step, step, "x", new int[0], new float[0]));
            peak = Math.max(peak, vm.historyValues());
        }
        assertTrue(peak <= bound, "history values peaked at " + peak + " > bound " + bound);
        assertTrue(vm.history(0, 0, 0).isEmpty(), "untracked head keeps no history");
        assertFalse(vm.history(0, 1, 1).isEmpty());
        assertEquals(steps - 1, vm.history(0, 1, 1).lastKey(), "the newest rows are kept");
        // Whole model: history bound + per-lane state linear in positions (a few hundred bytes per position here).
        long bytes = vm.estimatedBytes();
        assertTrue(bytes < 8 * bound + 400L * steps, "model holds about " + bytes + " bytes");
        // Changing the selection drops the old head's history.
        vm.selection().selectHead(0, 0);
        assertTrue(vm.history(0, 1, 1).isEmpty());
        assertNull(vm.lane(5));
    }
}
