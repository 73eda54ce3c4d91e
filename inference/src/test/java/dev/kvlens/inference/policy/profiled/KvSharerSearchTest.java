package dev.kvlens.inference.policy.profiled;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvlens.inference.policy.profiled.KvSharerTable.PairTrial;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** KVSharer's pair search on toy distance tables, with a hand-written similarity oracle. */
class KvSharerSearchTest {

    /** Similarities by resolved layer map; a map the oracle does not list is a test failure. */
    private record Oracle(Map<String, Double> byMap, List<int[]> asked) {

        Oracle(Map<String, Double> byMap) {
            this(byMap, new ArrayList<>());
        }

        double similarity(int[] sources) {
            asked.add(sources.clone());
            Double s = byMap.get(Arrays.toString(sources));
            if (s == null) {
                throw new AssertionError("the search should not try " + Arrays.toString(sources));
            }
            return s;
        }
    }

    @Test
    void pairsAreTriedByDescendingDistanceUntilShareLayersAreAccepted() {
        // L = 4, D[i][j] for i > j:
        //   D(1,0) = 1.0, D(2,0) = 4.0, D(2,1) = 2.5, D(3,0) = 3.0, D(3,1) = 5.0, D(3,2) = 0.5
        // descending: (3,1) 5.0, (2,0) 4.0, (3,0) 3.0, (2,1) 2.5, (1,0) 1.0, (3,2) 0.5
        double[][] d = {
                {0, 0, 0, 0},
                {1.0, 0, 0, 0},
                {4.0, 2.5, 0, 0},
                {3.0, 5.0, 0.5, 0}};
        // SHARE_LAYERS = 2, THRESHOLD = 0.5:
        //   (3,1): map [0,1,2,1] -> 0.4  rejected
        //   (2,0): map [0,1,0,3] -> 0.8  accepted (1)
        //   (3,0): map [0,1,0,0] -> 0.5  rejected (must EXCEED the threshold)
        //   (2,1): skipped, layer 2 already shares
        //   (1,0): map [0,0,0,3] -> 0.7  accepted (2): stop, (3,2) is never tried
        Oracle oracle = new Oracle(Map.of(
                "[0, 1, 2, 1]", 0.4,
                "[0, 1, 0, 3]", 0.8,
                "[0, 1, 0, 0]", 0.5,
                "[0, 0, 0, 3]", 0.7));
        KvSharerTable t = KvSharerSearch.search(d, 2, 0.5, oracle::similarity, List.of("text"));
        assertArrayEquals(new int[] {0, 0, 0, 3}, t.sources());
        assertEquals(List.of(
                new PairTrial(3, 1, 5.0, 0.4, false),
                new PairTrial(2, 0, 4.0, 0.8, true),
                new PairTrial(3, 0, 3.0, 0.5, false),
                new PairTrial(1, 0, 1.0, 0.7, true)), t.tried());
        assertEquals(4, oracle.asked().size());
    }

    @Test
    void chainsResolveToTheFirstLayerThatKeepsItsCache() {
        // D(3,2) = 9 is tried first and accepted: layer 3 reads 2. Then D(2,1) = 8: layer 2 reads 1,
        // and layer 3, which named 2, now reads 1 as well (the notebook's re_map).
        double[][] d = {
                {0, 0, 0, 0},
                {1, 0, 0, 0},
                {2, 8, 0, 0},
                {3, 4, 9, 0}};
        Oracle oracle = new Oracle(Map.of(
                "[0, 1, 2, 2]", 0.9,
                "[0, 1, 1, 1]", 0.6));
        KvSharerTable t = KvSharerSearch.search(d, 2, 0.5, oracle::similarity, List.of());
        assertArrayEquals(new int[] {0, 1, 1, 1}, t.sources());
        assertArrayEquals(new int[] {0, 0, 0, 0}, KvSharerSearch.resolve(new int[] {0, 0, 1, 2}));
        assertArrayEquals(new int[] {0, 1, 1, 3}, KvSharerSearch.resolve(new int[] {0, 1, 1, 3}));
    }

    @Test
    void equalDistancesGoToTheLowerLayerThenTheLowerSource() {
        double[][] d = {
                {0, 0, 0},
                {2, 0, 0},
                {2, 2, 0}};
        List<KvSharerSearch.Pair> order = KvSharerSearch.order(d);
        assertEquals(List.of(new KvSharerSearch.Pair(1, 0, 2), new KvSharerSearch.Pair(2, 0, 2),
                new KvSharerSearch.Pair(2, 1, 2)), order);
    }

    @Test
    void noPairIsTriedWhenNoLayerMayShare() {
        double[][] d = {{0, 0}, {1, 0}};
        KvSharerTable t = KvSharerSearch.search(d, 0, 0.5, m -> {
            throw new AssertionError("nothing to try");
        }, List.of());
        assertArrayEquals(new int[] {0, 1}, t.sources());
        assertEquals(List.of(), t.tried());
    }
}
