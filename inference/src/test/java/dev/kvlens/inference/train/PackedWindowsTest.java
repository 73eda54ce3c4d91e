package dev.kvlens.inference.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PackedWindowsTest {

    /** Document i is [100 + i] repeated (i % 4) + 2 times: lengths 2, 3, 4, 5, 2, 3, ... */
    private static MarkedTokens doc(long i) {
        int[] d = new int[(int) (i % 4) + 2];
        java.util.Arrays.fill(d, 100 + (int) i);
        return MarkedTokens.unmarked(d);
    }

    @Test
    void packsWholeDocumentsAndRestartsTheOneThatDidNotFit() {
        PackedWindows w = new PackedWindows(PackedWindowsTest::doc, 5, 0);   // windows of 6 ids
        // doc0 (2) + doc1 (3) = 5, doc2 (4) does not fit: its first id fills the window.
        assertArrayEquals(new int[] {100, 100, 101, 101, 101, 102}, w.next().ids());
        assertEquals(2, w.nextDocument());
        // doc2 (4) whole, then doc3 (5) cut after 2: it opens the next window.
        assertArrayEquals(new int[] {102, 102, 102, 102, 103, 103}, w.next().ids());
        assertArrayEquals(new int[] {103, 103, 103, 103, 103, 104}, w.next().ids());
    }

    @Test
    void aDocumentLongerThanTheWindowKeepsItsStartAndIsNotRepeated() {
        PackedWindows w = new PackedWindows(i -> MarkedTokens.unmarked(i == 0 ? new int[] {1, 2, 3, 4, 5, 6, 7, 8}
                : new int[] {9, 9}), 3, 0);
        assertArrayEquals(new int[] {1, 2, 3, 4}, w.next().ids());
        assertArrayEquals(new int[] {9, 9, 9, 9}, w.next().ids());
    }

    @Test
    void answerMarksTravelWithTheirTokens() {
        PackedWindows w = new PackedWindows(i -> new MarkedTokens(new int[] {1, 2, 3}, new boolean[] {false, false, true}),
                4, 0);
        MarkedTokens first = w.next();
        assertArrayEquals(new int[] {1, 2, 3, 1, 2}, first.ids());
        assertArrayEquals(new boolean[] {false, false, true, false, false}, first.answers());
        assertArrayEquals(new boolean[] {false, false, true, false, false}, w.next().answers());
    }
}
