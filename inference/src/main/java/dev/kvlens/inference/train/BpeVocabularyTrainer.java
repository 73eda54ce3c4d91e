package dev.kvlens.inference.train;

import dev.kvlens.inference.tokenizer.ByteLevelPreTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Learns a GPT-2 style byte-level BPE vocabulary: the texts are split by the engine's pre-tokenizer,
 * each word becomes its UTF-8 bytes (ids 0-255, written as GPT-2's printable characters), and the most
 * frequent adjacent pair is merged into a new token until the vocabulary is full or no pair occurs twice.
 * Ties go to the pair whose left, then right, token text sorts first, so training is deterministic.
 * Pair counts are kept up to date incrementally (only words holding the merged pair are revisited).
 */
public final class BpeVocabularyTrainer {

    /** The pre-tokenizer we train for: llama.cpp knows it, and it splits digits one by one. */
    public static final String DEFAULT_PRE = "qwen2";
    public static final String BOS_TEXT = "<|bos|>";
    public static final String EOS_TEXT = "<|eos|>";
    /** Byte tokens plus the two specials. */
    public static final int MIN_VOCAB_SIZE = 256 + 2;
    public static final int MAX_VOCAB_SIZE = 1 << 16;

    private BpeVocabularyTrainer() {
    }

    /** {@link #train(List, int, String)} with the {@value #DEFAULT_PRE} pre-tokenizer. */
    public static TrainedVocabulary train(List<String> texts, int vocabSize) {
        return train(texts, vocabSize, DEFAULT_PRE);
    }

    /**
     * @param vocabSize all token ids together: 256 bytes, the merges' tokens and BOS/EOS
     * @param pre       a {@code tokenizer.ggml.pre} name the engine and llama.cpp know
     */
    public static TrainedVocabulary train(List<String> texts, int vocabSize, String pre) {
        if (vocabSize < MIN_VOCAB_SIZE || vocabSize > MAX_VOCAB_SIZE) {
            throw new IllegalArgumentException("vocabulary size must be between " + MIN_VOCAB_SIZE + " (256 bytes"
                    + " and BOS/EOS) and " + MAX_VOCAB_SIZE + ", got " + vocabSize);
        }
        ByteLevelPreTokenizer splitter = ByteLevelPreTokenizer.forPre(pre);
        Map<String, long[]> wordCounts = new HashMap<>();
        for (String text : texts) {
            for (String word : splitter.split(text)) {
                wordCounts.computeIfAbsent(word, w -> new long[1])[0]++;
            }
        }
        // Sorted, so that word indices (and everything after) do not depend on hash order.
        String[] words = wordCounts.keySet().toArray(String[]::new);
        Arrays.sort(words);
        Learner learner = new Learner(words.length);
        for (int w = 0; w < words.length; w++) {
            byte[] utf8 = words[w].getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int[] symbols = new int[utf8.length];
            for (int i = 0; i < utf8.length; i++) {
                symbols[i] = utf8[i] & 0xFF;
            }
            learner.addWord(w, symbols, wordCounts.get(words[w])[0]);
        }
        learner.learn(vocabSize - 2);

        List<String> tokens = new ArrayList<>(learner.tokens);
        int[] types = new int[tokens.size() + 2];
        Arrays.fill(types, TrainedVocabulary.TYPE_NORMAL);
        int bos = tokens.size();
        tokens.add(BOS_TEXT);
        int eos = tokens.size();
        tokens.add(EOS_TEXT);
        types[bos] = TrainedVocabulary.TYPE_CONTROL;
        types[eos] = TrainedVocabulary.TYPE_CONTROL;
        return new TrainedVocabulary(tokens.toArray(String[]::new), types, learner.merges.toArray(String[]::new),
                bos, eos, pre);
    }

    /** The merge loop over distinct words with their counts. */
    private static final class Learner {
        final List<String> tokens = new ArrayList<>();
        final Map<String, Integer> ids = new HashMap<>();
        final List<String> merges = new ArrayList<>();
        final int[][] symbols;
        final int[] lengths;
        final long[] counts;
        final Map<Long, long[]> pairCounts = new HashMap<>();
        final Map<Long, Set<Integer>> pairWords = new HashMap<>();
        /** Candidates, possibly stale: an entry counts only while its count equals the pair's current count. */
        final PriorityQueue<Candidate> queue = new PriorityQueue<>(this::compare);

        record Candidate(int left, int right, long count) {
        }

        Learner(int words) {
            symbols = new int[words][];
            lengths = new int[words];
            counts = new long[words];
            for (int b = 0; b < 256; b++) {
                String t = String.valueOf(ByteLevelPreTokenizer.byteSymbol(b));
                ids.put(t, tokens.size());
                tokens.add(t);
            }
        }

        private int compare(Candidate a, Candidate b) {
            if (a.count != b.count) {
                return Long.compare(b.count, a.count);
            }
            int c = tokens.get(a.left).compareTo(tokens.get(b.left));
            return c != 0 ? c : tokens.get(a.right).compareTo(tokens.get(b.right));
        }

        void addWord(int w, int[] syms, long count) {
            symbols[w] = syms;
            lengths[w] = syms.length;
            counts[w] = count;
            for (int i = 0; i + 1 < syms.length; i++) {
                long key = key(syms[i], syms[i + 1]);
                pairCounts.computeIfAbsent(key, k -> new long[1])[0] += count;
                pairWords.computeIfAbsent(key, k -> new HashSet<>()).add(w);
            }
        }

        void learn(int maxTokens) {
            for (Map.Entry<Long, long[]> e : pairCounts.entrySet()) {
                queue.add(new Candidate(left(e.getKey()), right(e.getKey()), e.getValue()[0]));
            }
            while (tokens.size() < maxTokens) {
                Candidate best = null;
                while (!queue.isEmpty()) {
                    Candidate c = queue.poll();
                    long[] current = pairCounts.get(key(c.left, c.right));
                    if (current != null && current[0] == c.count) {
                        best = c;
                        break;
                    }
                }
                if (best == null || best.count < 2) {
                    return; // nothing left that a merge would save twice
                }
                merge(best.left, best.right);
            }
        }

        private void merge(int a, int b) {
            String text = tokens.get(a) + tokens.get(b);
            merges.add(tokens.get(a) + " " + tokens.get(b));
            Integer existing = ids.get(text);
            int merged;
            if (existing != null) {
                merged = existing; // another merge order already built this text
            } else {
                merged = tokens.size();
                tokens.add(text);
                ids.put(text, merged);
            }
            long pair = key(a, b);
            Integer[] affected = pairWords.get(pair).toArray(Integer[]::new);
            Arrays.sort(affected);
            Set<Long> changed = new HashSet<>();
            for (int w : affected) {
                int[] s = symbols[w];
                int n = lengths[w];
                long count = counts[w];
                for (int i = 0; i + 1 < n; i++) {
                    long k = key(s[i], s[i + 1]);
                    long[] c = pairCounts.get(k);
                    c[0] -= count;
                    changed.add(k);
                    Set<Integer> holders = pairWords.get(k);
                    if (holders != null) {
                        holders.remove(w);
                    }
                }
                // left to right, non-overlapping: what the encoder's leftmost-first rule does for equal ranks
                int out = 0;
                for (int i = 0; i < n; i++) {
                    if (i + 1 < n && s[i] == a && s[i + 1] == b) {
                        s[out++] = merged;
                        i++;
                    } else {
                        s[out++] = s[i];
                    }
                }
                lengths[w] = out;
                for (int i = 0; i + 1 < out; i++) {
                    long k = key(s[i], s[i + 1]);
                    pairCounts.computeIfAbsent(k, x -> new long[1])[0] += count;
                    pairWords.computeIfAbsent(k, x -> new HashSet<>()).add(w);
                    changed.add(k);
                }
            }
            for (long k : changed) {
                long[] c = pairCounts.get(k);
                if (c[0] <= 0) {
                    pairCounts.remove(k);
                    pairWords.remove(k);
                } else {
                    queue.add(new Candidate(left(k), right(k), c[0]));
                }
            }
        }

        private static long key(int left, int right) {
            return ((long) left << 32) | (right & 0xFFFF_FFFFL);
        }

        private static int left(long key) {
            return (int) (key >>> 32);
        }

        private static int right(long key) {
            return (int) key;
        }
    }
}
