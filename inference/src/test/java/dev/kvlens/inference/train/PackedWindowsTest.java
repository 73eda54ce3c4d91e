package dev.kvlens.inference.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PackedWindowsTest {

    /** Document i is [100 + i] repeated (i % 4) + 2 times: lengths 2, 3, 4, 5, 2, 3, ... */
    private static int[] doc(long i) {
        int[] d = new int[(int) (i % 4) + 2];
        java.util.Arrays.fill(d, 100 + (int) i);
        return d;
    }

    @Test
    void packsWholeDocumentsAndRestartsTheOneThatDidNotFit() {
        PackedWindows w = new PackedWindows(PackedWindowsTest::doc, 5, 0);   // windows of 6 ids
        // doc0 (2) + doc1 (3) = 5, doc2 (4) does not fit: its first id fills the window.
        assertArrayEquals(new int[] {100, 100, 101, 101, 101, 102}, w.next());
        assertEquals(2, w.nextDocument());
        // doc2 (4) whole, then doc3 (5) cut after 2: it opens the next window.
        assertArrayEquals(new int[] {102, 102, 102, 102, 103, 103}, w.next());
        assertArrayEquals(new int[] {103, 103, 103, 103, 103, 104}, w.next());
    }

    @Test
    void aDocumentLongerThanTheWindowKeepsItsStartAndIsNotRepeated() {
        PackedWindows w = new PackedWindows(i -> i == 0 ? new int[] {1, 2, 3, 4, 5, 6, 7, 8} : new int[] {9, 9}, 3, 0);
        assertArrayEquals(new int[] {1, 2, 3, 4}, w.next());
        assertArrayEquals(new int[] {9, 9, 9, 9}, w.next());
    }
}
