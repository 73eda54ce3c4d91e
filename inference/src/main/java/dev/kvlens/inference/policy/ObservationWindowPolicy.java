package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The lifecycle shared by the observation-window family (SnapKV, PyramidKV, AdaKV, KV-Compress,
 * ZigZagKV): observe the last {@code w} prompt queries, choose what to keep once at the end of
 * prefill, and (option {@code decode=recompress}) hold each head's kept count while generating.
 * Subclasses only decide how many entries each (layer, KV head) keeps and which.
 */
abstract class ObservationWindowPolicy implements KvPolicy {

    protected final PolicyOptions options;
    protected final Budget budget;
    protected final SnapKvScoring scoring;
    private final boolean recompress;
    private final int interval;
    private WindowAttentionCollector collector;
    private DecodeRecompression decode;

    protected ObservationWindowPolicy(Budget budget, PolicyOptions options) {
        this.options = options;
        this.budget = budget;
        this.scoring = SnapKvScoring.from(options);
        this.recompress = options.string("decode").equals("recompress");
        this.interval = options.integer("interval");
        if (interval < 1) {
            throw new IllegalArgumentException("option " + descriptor().id() + ":interval must be at least 1, got " + interval);
        }
        if (!budget.isFraction()) {
            requireAboveWindow(budget.entriesPerHead());
        }
    }

    /** The family's options, then the subclass's, then the decoding ones. */
    protected static List<PolicyOption> declaredOptions(List<PolicyOption> own) {
        List<PolicyOption> all = new ArrayList<>(SnapKvScoring.declaredOptions());
        all.addAll(own);
        all.add(PolicyOption.choice("decode", "none", List.of("none", "recompress"),
                "none (default, the papers: generated tokens are appended uncompressed) or recompress: "
                        + "every interval steps re-score the cache with the last generated queries and evict back"));
        all.add(PolicyOption.number("interval", "512", "steps between decode recompressions (kvpress DecodingPress default)"));
        return all;
    }

    /** The official code asserts {@code B - w > 0}. */
    protected final void requireAboveWindow(int entries) {
        if (entries <= scoring.window()) {
            throw new IllegalArgumentException(descriptor().id() + ": budget " + entries
                    + " entries per KV head must exceed the observation window w = " + scoring.window()
                    + " (the window is always kept); lower the option window or raise the budget");
        }
    }

    @Override
    public Budget budget() {
        return budget;
    }

    @Override
    public PolicyOptions options() {
        return options;
    }

    @Override
    public AttentionListener beginPrefill(PolicyContext context, int promptLength) {
        collector = null;
        decode = null;
        int b = budget.entriesFor(promptLength);
        if (promptLength <= b) {
            return null; // no compression (POLICIES.md 0.5): nothing to observe
        }
        requireAboveWindow(b);
        ModelConfig c = context.config();
        collector = new WindowAttentionCollector(c.layers(), c.heads(), c.headDim(), promptLength, scoring.window(),
                false, null);
        return collector;
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        ModelConfig c = context.config();
        int n = editor.store(0, 0).size();
        int b = budget.entriesFor(n);
        int[][] targets = new int[c.layers()][c.kvHeads()];
        for (int[] t : targets) {
            Arrays.fill(t, b);
        }
        if (n > b) {
            requireAboveWindow(b);
            if (collector == null || collector.promptLength() != n) {
                throw new IllegalStateException(descriptor().id() + ": the prompt's attention was not observed "
                        + "(beginPrefill's listener must see the prefill)");
            }
            for (int l = 0; l < c.layers(); l++) {
                for (int g = 0; g < c.kvHeads(); g++) {
                    requireDensePrompt(editor.store(l, g), n, l, g);
                }
            }
            compress(c, editor, collector, n, b, targets);
        }
        collector = null;
        if (recompress) {
            for (int[] t : targets) {
                for (int g = 0; g < t.length; g++) {
                    t[g] = Math.max(t[g], scoring.window());
                }
            }
            decode = new DecodeRecompression(scoring, interval, n, c.heads(), targets);
        }
    }

    private void requireDensePrompt(KvHeadStore store, int n, int layer, int kvHead) {
        if (store.size() != n || store.position(0) != 0 || store.position(n - 1) != n - 1) {
            throw new IllegalStateException(descriptor().id() + ": layer " + layer + " KV head " + kvHead
                    + " does not hold the prompt's positions 0.." + (n - 1) + " (prefill must start on an empty cache)");
        }
    }

    /**
     * Chooses what every (layer, KV head) keeps after a prompt of {@code n > budget} tokens.
     *
     * @param targets entries each head holds afterwards, for decode recompression (pre-filled with the budget)
     */
    protected abstract void compress(ModelConfig config, CacheEditor editor, WindowAttentionCollector collector,
                                     int n, int budget, int[][] targets);

    @Override
    public AttentionListener beginStep(PolicyContext context, int position) {
        return decode == null ? null : decode.beginStep(position);
    }

    @Override
    public void endStep(PolicyContext context, int position, CacheEditor editor) {
        if (decode != null) {
            decode.endStep(position, editor);
        }
    }

    @Override
    public long bookkeepingBytes() {
        return decode == null ? 0 : decode.bytes();
    }
}
