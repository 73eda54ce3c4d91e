package dev.kvlens.inference.train;

import java.util.function.LongFunction;

/**
 * Packs encoded documents (each already BOS + tokens + EOS) into windows of {@code context + 1}
 * tokens, in document order 0, 1, 2, ... Every window starts at the start of a document, so each
 * document is seen at the positions from 0 that probes use at inference time. Whole documents are
 * appended while they fit; the first document that does not fit fills the rest of the window with
 * its beginning and then opens the next window in full (its tail is never cut off from its start).
 * A document longer than a window contributes only its first {@code context + 1} tokens.
 */
public final class PackedWindows implements TrainingWindows {

    private final LongFunction<MarkedTokens> documents;
    private final int width;
    private long nextDocument;

    /**
     * @param documents document {@code i}'s token ids and answer marks, a pure function of {@code i}
     * @param context   tokens the model sees at once (windows hold one more: the last target)
     * @param first     index of the first document
     */
    public PackedWindows(LongFunction<MarkedTokens> documents, int context, long first) {
        this.documents = documents;
        this.width = context + 1;
        this.nextDocument = first;
    }

    @Override
    public MarkedTokens next() {
        int[] window = new int[width];
        boolean[] answers = new boolean[width];
        int filled = 0;
        while (filled < width) {
            MarkedTokens marked = documents.apply(nextDocument);
            int[] doc = marked.ids();
            if (doc.length == 0) {
                throw new IllegalStateException("document " + nextDocument + " encodes to no tokens");
            }
            int take = Math.min(doc.length, width - filled);
            System.arraycopy(doc, 0, window, filled, take);
            System.arraycopy(marked.answers(), 0, answers, filled, take);
            // A document that fit whole is done; one cut short starts the next window again,
            // unless it started this one (then it can never fit: its tail is dropped).
            if (take == doc.length || filled == 0) {
                nextDocument++;
            }
            filled += take;
        }
        return new MarkedTokens(window, answers);
    }

    /** Index of the document the next window starts with. */
    public long nextDocument() {
        return nextDocument;
    }
}
