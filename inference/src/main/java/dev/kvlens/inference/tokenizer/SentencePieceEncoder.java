package dev.kvlens.inference.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * llama.cpp's SPM tokenizer (llm_tokenizer_spm): start from single code points, repeatedly merge
 * the adjacent pair whose concatenation is the vocabulary entry with the highest score (ties to
 * the leftmost pair), then emit each symbol as its token or, when it is not one, as byte tokens.
 */
final class SentencePieceEncoder {

    private final GgufVocabulary vocab;
    private final int unk;

    SentencePieceEncoder(GgufVocabulary vocab, int unk) {
        this.vocab = vocab;
        this.unk = unk;
    }

    private record Bigram(int left, int right, float score, int size) {
    }

    /** Tokenizes text whose spaces are already escaped to U+2581. */
    void encode(String text, IntList out) {
        int n = text.codePointCount(0, text.length());
        if (n == 0) {
            return;
        }
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, off = 0; i < n; i++) {
            int cl = Character.charCount(text.codePointAt(off));
            start[i] = off;
            len[i] = cl;
            prev[i] = i - 1;
            off += cl;
            next[i] = off == text.length() ? -1 : i + 1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> {
            int c = Float.compare(b.score, a.score);
            return c != 0 ? c : Integer.compare(a.left, b.left);
        });
        for (int i = 1; i < n; i++) {
            tryAddBigram(text, start, len, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            int l = bg.left;
            int r = bg.right;
            // stale entry: one side was merged away or grew since the pair was queued
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != bg.size) {
                continue;
            }
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            tryAddBigram(text, start, len, prev[l], l, queue);
            tryAddBigram(text, start, len, l, next[l], queue);
        }
        for (int i = 0; i != -1; i = next[i]) {
            String piece = text.substring(start[i], start[i] + len[i]);
            int id = vocab.id(piece);
            if (id >= 0) {
                out.add(id);
            } else {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    int byteId = vocab.byteToken(b & 0xFF);
                    out.add(byteId >= 0 ? byteId : unk); // llama.cpp aborts here; unk keeps going
                }
            }
        }
    }

    private void tryAddBigram(String text, int[] start, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        if (left == -1 || right == -1) {
            return;
        }
        int size = len[left] + len[right];
        int id = vocab.id(text.substring(start[left], start[left] + size));
        if (id < 0) {
            return;
        }
        queue.add(new Bigram(left, right, vocab.score(id), size));
    }
}
