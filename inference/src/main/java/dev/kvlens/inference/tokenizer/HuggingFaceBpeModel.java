package dev.kvlens.inference.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Hugging Face tokenizers' BPE model (models/bpe, Word::merge_all): characters to ids (byte
 * fallback to {@code <0xNN>} tokens when all exist, else the unknown token, consecutive unknowns
 * fused when fuse_unk), then merges by rank, lowest first and leftmost on ties, skipping stale ones.
 */
final class HuggingFaceBpeModel {

    private final Map<String, Integer> vocab;
    /** (left id << 32 | right id) to {rank, merged id}. */
    private final Map<Long, int[]> merges;
    private final int unk;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;

    HuggingFaceBpeModel(Map<String, Integer> vocab, Map<Long, int[]> merges, int unk, boolean fuseUnk,
                        boolean byteFallback, boolean ignoreMerges) {
        this.vocab = vocab;
        this.merges = merges;
        this.unk = unk;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
    }

    static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private record Merge(int pos, int rank, int newId) {
    }

    void encode(String word, IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        IntList ids = new IntList();
        boolean lastWasUnk = false;
        for (int k = 0; k < word.length(); ) {
            int cp = word.codePointAt(k);
            String ch = word.substring(k, k + Character.charCount(cp));
            k += ch.length();
            Integer id = vocab.get(ch);
            if (id != null) {
                ids.add(id);
                lastWasUnk = false;
                continue;
            }
            if (byteFallback) {
                byte[] bytes = ch.getBytes(StandardCharsets.UTF_8);
                int[] byteIds = new int[bytes.length];
                boolean all = true;
                for (int i = 0; i < bytes.length && all; i++) {
                    Integer b = vocab.get(String.format("<0x%02X>", bytes[i] & 0xFF));
                    all = b != null;
                    byteIds[i] = all ? b : -1;
                }
                if (all) {
                    for (int b : byteIds) {
                        ids.add(b);
                    }
                    lastWasUnk = false;
                    continue;
                }
            }
            if (unk >= 0) {
                if (!(fuseUnk && lastWasUnk)) {
                    ids.add(unk);
                }
                lastWasUnk = true;
            }
        }
        int n = ids.size;
        int[] c = ids.toArray();
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] gone = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Merge> queue = new PriorityQueue<>((a, b) -> a.rank != b.rank
                ? Integer.compare(a.rank, b.rank) : Integer.compare(a.pos, b.pos));
        for (int i = 0; i + 1 < n; i++) {
            int[] m = merges.get(pair(c[i], c[i + 1]));
            if (m != null) {
                queue.add(new Merge(i, m[0], m[1]));
            }
        }
        while (!queue.isEmpty()) {
            Merge top = queue.poll();
            if (gone[top.pos] || next[top.pos] < 0) {
                continue;
            }
            int right = next[top.pos];
            int[] m = merges.get(pair(c[top.pos], c[right]));
            if (m == null || m[0] != top.rank || m[1] != top.newId) {
                continue; // stale: the symbols changed since this merge was queued
            }
            c[top.pos] = top.newId;
            gone[right] = true;
            next[top.pos] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = top.pos;
            }
            if (prev[top.pos] >= 0) {
                int[] pm = merges.get(pair(c[prev[top.pos]], c[top.pos]));
                if (pm != null) {
                    queue.add(new Merge(prev[top.pos], pm[0], pm[1]));
                }
            }
            if (next[top.pos] >= 0) {
                int[] nm = merges.get(pair(c[top.pos], c[next[top.pos]]));
                if (nm != null) {
                    queue.add(new Merge(top.pos, nm[0], nm[1]));
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (!gone[i]) {
                out.add(c[i]);
            }
        }
    }
}
