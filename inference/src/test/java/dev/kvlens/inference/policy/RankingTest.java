package dev.kvlens.inference.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RankingTest {

    @Test
    void higherScoreFirstThenLowerPosition() {
        float[] scores = {0.1f, 0.5f, 0.5f, 0.9f, 0.2f};
        assertArrayEquals(new int[] {3, 1, 2, 4, 0}, Ranking.order(scores, null));
        // Positions reversed: among the tied 0.5s, index 2 now has the lower position.
        assertArrayEquals(new int[] {3, 2, 1, 4, 0}, Ranking.order(scores, new int[] {50, 40, 30, 20, 10}));
    }

    @Test
    void scoresWithinOneMillionthRelativeAreTies() {
        // 1.0000005 and 1.0 differ by 5e-7 relative: a tie, so the lower position (index 0) wins.
        float[] scores = {1.0f, 1.0000005f, 0.5f};
        assertArrayEquals(new int[] {0, 1, 2}, Ranking.order(scores, null));
        // 1.00001 differs by 1e-5: not a tie.
        assertArrayEquals(new int[] {1, 0, 2}, Ranking.order(new float[] {1.0f, 1.00001f, 0.5f}, null));
    }

    @Test
    void topReturnsAscendingIndices() {
        assertArrayEquals(new int[] {1, 3}, Ranking.top(new float[] {0, 5, 1, 7}, null, 2));
        assertArrayEquals(new int[] {0, 1, 2}, Ranking.top(new float[] {3, 2, 1}, null, 10));
    }

    @Test
    void unionAndRange() {
        assertArrayEquals(new int[] {0, 1, 3, 5, 6}, Ranking.union(new int[] {1, 3, 5}, new int[] {0, 3, 6}));
        assertArrayEquals(new int[] {4, 5, 6}, Ranking.range(4, 7));
    }

    @Test
    void poolingByHand() {
        float[] s = {1, 5, 2, 0, 3};
        // max, k=3, -inf padding: [max(1,5), max(1,5,2), max(5,2,0), max(2,0,3), max(0,3)]
        assertArrayEquals(new float[] {5, 5, 5, 3, 3}, Pooling.MAX.apply(s, 3));
        // avg, k=3, zero padding counted: [(0+1+5)/3, (1+5+2)/3, (5+2+0)/3, (2+0+3)/3, (0+3+0)/3]
        assertArrayEquals(new float[] {2f, 8f / 3, 7f / 3, 5f / 3, 1f}, Pooling.AVG.apply(s, 3), 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> Pooling.MAX.apply(s, 4));
    }

    @Test
    void groupReductionByHand() {
        float[][] heads = {{1, 2}, {3, 6}, {10, 0}, {20, 4}};
        // group size 2: KV head 1 reads query heads 2 and 3
        assertArrayEquals(new float[] {15, 2}, GroupReduction.MEAN.reduce(heads, 1, 2));
        assertArrayEquals(new float[] {20, 4}, GroupReduction.MAX.reduce(heads, 1, 2));
        assertArrayEquals(new float[] {4, 8}, GroupReduction.SUM.reduce(heads, 0, 2));
    }

    @Test
    void budgetsParseAndLabel() {
        org.junit.jupiter.api.Assertions.assertEquals("64 entries/KV head", Budget.parse("64").label());
        org.junit.jupiter.api.Assertions.assertEquals("25.0% kept", Budget.parse("0.25").label());
        org.junit.jupiter.api.Assertions.assertEquals(25, Budget.parse("25%").entriesFor(100));
        assertThrows(IllegalArgumentException.class, () -> Budget.parse("lots"));
        assertThrows(IllegalArgumentException.class, () -> Budget.parse("0"));
        assertThrows(IllegalArgumentException.class, () -> Budget.parse("1.5"));
    }
}
