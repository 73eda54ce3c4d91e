package dev.kvlens.inference.tokenizer;

import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * llama.cpp's BPE tokenizer (llm_tokenizer_bpe_session): pre-tokenize with the vocabulary's
 * regexes, map each word's UTF-8 bytes to GPT-2's printable characters, then apply merges by
 * rank (lowest first, ties to the leftmost pair).
 */
final class ByteLevelBpeEncoder {

    private final GgufVocabulary vocab;
    /** Merge rank keyed by {@code left + " " + right}, the merge line as stored. */
    private final Map<String, Integer> ranks;
    private final LlamaRegexSplitter splitter;
    private final boolean ignoreMerges;

    ByteLevelBpeEncoder(GgufVocabulary vocab, Map<String, Integer> ranks, LlamaRegexSplitter splitter, boolean ignoreMerges) {
        this.vocab = vocab;
        this.ranks = ranks;
        this.splitter = splitter;
        this.ignoreMerges = ignoreMerges;
    }

    private record Bigram(int left, int right, String text, int rank) {
    }

    void encode(String text, IntList out) {
        List<String> words = splitter.split(text);
        for (String raw : words) {
            encodeWord(ByteUnicodeMap.encode(raw), out);
        }
    }

    private void encodeWord(String word, IntList out) {
        if (ignoreMerges) {
            int id = vocab.id(word);
            if (id >= 0) {
                out.add(id);
                return;
            }
        }
        int n = word.length(); // every mapped character is one UTF-16 unit
        if (n == 0) {
            return;
        }
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            len[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 == n ? -1 : i + 1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> {
            int c = Integer.compare(a.rank, b.rank);
            return c != 0 ? c : Integer.compare(a.left, b.left);
        });
        for (int i = 1; i < n; i++) {
            addBigram(word, len, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            int l = bg.left;
            int r = bg.right;
            if (len[l] == 0 || len[r] == 0) {
                continue;
            }
            // outdated entry: the symbols changed since the pair was queued
            if (len[l] + len[r] != bg.text.length() || !word.startsWith(bg.text, l) || r != l + len[l]) {
                continue;
            }
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            addBigram(word, len, prev[l], l, queue);
            addBigram(word, len, l, next[l], queue);
        }
        for (int i = 0; i != -1; i = next[i]) {
            String piece = word.substring(i, i + len[i]);
            int id = vocab.id(piece);
            if (id >= 0) {
                out.add(id);
            } else {
                // as llama.cpp: fall back to single-byte tokens, which exist only for ASCII
                for (byte b : piece.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    int single = b >= 0 ? vocab.id(String.valueOf((char) b)) : -1;
                    if (single >= 0) {
                        out.add(single);
                    }
                }
            }
        }
    }

    private void addBigram(String word, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        if (left == -1 || right == -1) {
            return;
        }
        String l = word.substring(left, left + len[left]);
        String r = word.substring(right, right + len[right]);
        Integer rank = ranks.get(l + " " + r);
        if (rank == null) {
            return;
        }
        queue.add(new Bigram(left, right, l + r, rank));
    }
}
