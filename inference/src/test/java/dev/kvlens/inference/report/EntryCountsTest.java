package dev.kvlens.inference.report;

import dev.kvlens.inference.session.event.BudgetPlan;
import dev.kvlens.inference.session.event.CacheDecision;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EntryCountsTest {

    @Test
    void untouchedHeadsHoldEveryPositionAndDecisionsResetTheCount() {
        EntryCounts counts = new EntryCounts(1, 2);
        assertEquals(1, counts.at(0, 0, 0));
        assertEquals(10, counts.at(0, 1, 9));
        counts.add(new CacheDecision(0, 5, 0, 0, new int[]{0, 1, 2}, 3, 3));
        assertEquals(5, counts.at(0, 0, 4), "before the decision nothing changed");
        assertEquals(3, counts.at(0, 0, 5));
        assertEquals(7, counts.at(0, 0, 9), "3 kept at step 5, then one more per position");
        assertEquals(10, counts.at(0, 1, 9), "the other head was not touched");
        counts.add(new BudgetPlan(0, 7, new int[][]{{2, 4}}));
        assertEquals(4, counts.at(0, 0, 9));
        assertEquals(6, counts.at(0, 1, 9));
        assertEquals(10, counts.totalAt(9));
    }

    @Test
    void outOfRangeHeadsAreIgnoredNotFatal() {
        EntryCounts counts = new EntryCounts(1, 1);
        counts.add(new CacheDecision(0, 1, 3, 0, new int[0], 1, 1));
        counts.add(new BudgetPlan(0, 1, new int[][]{{1, 9}, {9}}));
        assertEquals(2, counts.at(0, 0, 2));
    }
}
