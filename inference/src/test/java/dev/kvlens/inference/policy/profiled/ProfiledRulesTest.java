package dev.kvlens.inference.policy.profiled;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.policy.profiled.NeedleBehaviourProfiler.Behaviour;
import org.junit.jupiter.api.Test;

/** Hand-worked cases of the profiled policies' rules. */
class ProfiledRulesTest {

    /**
     * I' = [1, 3], mean 2. rho = 0.5, gamma = 1: 0.5 * [0.5, 1.5] = [0.25, 0.75] (mean 0.5, no clamp).
     * rho = 0.8: [0.4, 1.2]; 1.2 clamps to 1, the other takes the rest of 2 * 0.8 = 1.6: [0.6, 1.0].
     * gamma = 0 is uniform. minShare 0.5 with rho 0.5, I' = [0, 4] (raw [0, 1.0]): floor 0.25, the other
     * 1 - 0.25 = 0.75.
     */
    @Test
    void baklavaBudgetsFollowThePowerLawAndAreRenormalised() {
        assertMatrix(new double[][] {{0.25, 0.75}}, BaklavaAllocation.fractions(new double[][] {{1, 3}}, 0.5, 1, 0));
        assertMatrix(new double[][] {{0.6, 1.0}}, BaklavaAllocation.fractions(new double[][] {{1, 3}}, 0.8, 1, 0));
        assertMatrix(new double[][] {{0.5, 0.5}}, BaklavaAllocation.fractions(new double[][] {{1, 3}}, 0.5, 0, 0));
        assertMatrix(new double[][] {{0.25, 0.75}}, BaklavaAllocation.fractions(new double[][] {{0, 4}}, 0.5, 1, 0.5));
        assertMatrix(new double[][] {{2, 6}}, BaklavaAllocation.combined(new double[] {2}, new double[][] {{1, 3}}));
    }

    /**
     * HeadKV formula, B = 10, beta = 1.01: floor(10 / 1.01) = 9 dynamic, 1 fixed; INFsc [1, 3] gives
     * pi = [0.25, 0.75]; L * H = 2: head 0 round(0.25 * 9 * 2 + 1) = round(5.5) = 6, head 1 round(14.5) = 15.
     * One KV head for both: mean 10.5 rounds to 11. All-zero scores: everyone gets round(0.5 * 18 + 1) = 10.
     */
    @Test
    void surfaceLogicBudgetsAreBasePlusShare() {
        assertArrayEquals(new int[] {6, 15}, SurfaceLogicKvPolicy.budgets(new double[][] {{1, 3}}, 2, 10, 1.01, 100)[0]);
        assertArrayEquals(new int[] {11}, SurfaceLogicKvPolicy.budgets(new double[][] {{1, 3}}, 1, 10, 1.01, 100)[0]);
        assertArrayEquals(new int[] {10, 10}, SurfaceLogicKvPolicy.budgets(new double[][] {{0, 0}}, 2, 10, 1.01, 100)[0]);
        assertArrayEquals(new int[] {6, 12}, SurfaceLogicKvPolicy.budgets(new double[][] {{1, 3}}, 2, 10, 1.01, 12)[0]);
    }

    /** Tokens [5, 6, 7, 8, 9], needle = positions 1..2 (tokens 6, 7), answer token 7. */
    @Test
    void headBehaviourIsClassifiedByTheAttendedNeedlePositions() {
        int[] tokens = {5, 6, 7, 8, 9};
        assertEquals(Behaviour.SURFACE, NeedleBehaviourProfiler.classify(new int[] {2}, tokens, 1, 3, 7));
        assertEquals(Behaviour.LOGIC, NeedleBehaviourProfiler.classify(new int[] {1}, tokens, 1, 3, 7));
        assertEquals(Behaviour.IGNORE, NeedleBehaviourProfiler.classify(new int[] {4}, tokens, 1, 3, 7));
        assertEquals(Behaviour.SURFACE, NeedleBehaviourProfiler.classify(new int[] {4, 2}, tokens, 1, 3, 7));
        // token 8 sits outside the needle: copying it is not surface memorisation
        assertEquals(Behaviour.IGNORE, NeedleBehaviourProfiler.classify(new int[] {3}, tokens, 1, 3, 8));
    }

    /** The first candidate recovering T wins; none: full (5). */
    @Test
    void fastGenPicksTheCheapestPolicyThatRecoversT() {
        assertEquals(3, FastGenPolicy.choose(new double[] {0.2, 0.5, 0.96, 0.99}, 0.95));
        assertEquals(1, FastGenPolicy.choose(new double[] {0.97, 0.98, 0.99, 1.0}, 0.95));
        assertEquals(5, FastGenPolicy.choose(new double[] {0.1, 0.2, 0.3, 0.9}, 0.95));
        assertEquals(4, FastGenPolicy.choose(new double[] {0.1, 0.2, 0.3, 0.9}, 0.9));
    }

    @Test
    void punctuationPiecesAreOnlyPunctuation() {
        assertTrue(VocabularySets.isPunctuation("."));
        assertTrue(VocabularySets.isPunctuation("\u2581,"));
        assertTrue(VocabularySets.isPunctuation("!\""));
        assertFalse(VocabularySets.isPunctuation("\u2581the"));
        assertFalse(VocabularySets.isPunctuation("\u2581"));
        assertFalse(VocabularySets.isPunctuation("a."));
    }

    private static void assertMatrix(double[][] expected, double[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], 1e-12);
        }
    }
}
