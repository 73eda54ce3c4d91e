package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.ModelConfig;
import java.util.Arrays;
import java.util.List;

/**
 * KNorm (POLICIES.md 8, KV Lens defaults 0.5): keys with a small L2 norm tend to draw attention,
 * so each (layer, KV head) keeps its {@code B} lowest-norm keys; no attention is needed. By
 * default it compresses once after prefill, whenever the layer holds more than {@code B} entries,
 * in every layer; {@code schedule=every-n} re-applies it every {@code interval} generated tokens.
 * <p>
 * The norm is that of the key before RoPE: the cache holds post-RoPE keys, and a rotation keeps
 * the norm, so the norm is computed from them in double; the float rounding left (far below 1e-6
 * relative) is absorbed by {@link Ranking}'s tie tolerance, so the same token at two positions ties
 * and the lower position wins.
 */
public final class KNormPolicy implements KvPolicy {

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("knorm", "KNorm",
            "A Simple and Effective L2 Norm-Based Strategy for KV Cache Compression, arXiv 2406.11430",
            "Keeps the keys with the smallest L2 norm (they tend to receive the most attention); no attention "
                    + "scores needed.",
            false, false, List.of(
                    PolicyOption.number("prune-after", "0", "compress a layer only when it holds at least this many "
                            + "entries (l2compress: 2048 function default, 1048 README); 0 = whenever it exceeds B"),
                    new PolicyOption("skip-layers", "", List.of(),
                            "layers left uncompressed, separated by ';' (e.g. 0;1 as l2compress's README); default none"),
                    PolicyOption.choice("schedule", "prefill-once", List.of("prefill-once", "every-n"),
                            "prefill-once (official repo, default) or every-n: again every interval generated tokens"),
                    PolicyOption.number("interval", "512", "steps between compressions for schedule=every-n")));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new KNormPolicy(budget, options);
        }
    };

    private final PolicyOptions options;
    private final Budget budget;
    private final int pruneAfter;
    private final int[] skipLayers;
    private final boolean everyN;
    private final int interval;
    private int promptLength = -1;
    private int entries;

    private KNormPolicy(Budget budget, PolicyOptions options) {
        this.options = options;
        this.budget = budget;
        this.pruneAfter = options.integer("prune-after");
        this.skipLayers = parseLayers(options.string("skip-layers"));
        this.everyN = options.string("schedule").equals("every-n");
        this.interval = options.integer("interval");
        if (pruneAfter < 0) {
            throw new IllegalArgumentException("option knorm:prune-after must not be negative, got " + pruneAfter);
        }
        if (interval < 1) {
            throw new IllegalArgumentException("option knorm:interval must be at least 1, got " + interval);
        }
    }

    private static int[] parseLayers(String text) {
        if (text.isBlank()) {
            return new int[0];
        }
        try {
            int[] layers = Arrays.stream(text.split(";")).map(String::trim).mapToInt(Integer::parseInt).toArray();
            for (int l : layers) {
                if (l < 0) {
                    throw new NumberFormatException();
                }
            }
            return layers;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option knorm:skip-layers must be layer indices separated by ';' "
                    + "(e.g. 0;1), got '" + text + "'");
        }
    }

    @Override
    public PolicyDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public PolicyOptions options() {
        return options;
    }

    @Override
    public Budget budget() {
        return budget;
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        ModelConfig c = context.config();
        for (int l : skipLayers) {
            if (l >= c.layers()) {
                throw new IllegalArgumentException("option knorm:skip-layers names layer " + l + " but the model has "
                        + c.layers() + " layers (0.." + (c.layers() - 1) + ")");
            }
        }
        promptLength = editor.store(0, 0).size();
        entries = budget.entriesFor(promptLength);
        compressAll(c, editor);
    }

    @Override
    public void endStep(PolicyContext context, int position, CacheEditor editor) {
        if (everyN && promptLength >= 0 && (position - promptLength + 1) % interval == 0) {
            compressAll(context.config(), editor);
        }
    }

    private void compressAll(ModelConfig c, CacheEditor editor) {
        for (int l = 0; l < c.layers(); l++) {
            if (skipped(l)) {
                continue;
            }
            for (int g = 0; g < c.kvHeads(); g++) {
                KvHeadStore store = editor.store(l, g);
                int size = store.size();
                if (size > entries && size >= pruneAfter) {
                    editor.retain(l, g, lowestNorms(store, entries), entries);
                }
            }
        }
    }

    private boolean skipped(int layer) {
        for (int l : skipLayers) {
            if (l == layer) {
                return true;
            }
        }
        return false;
    }

    /** Store indices of the {@code keep} keys with the smallest L2 norm, ascending. */
    static int[] lowestNorms(KvHeadStore store, int keep) {
        int size = store.size();
        int d = store.headDim();
        float[] key = new float[d];
        float[] scores = new float[size];
        int[] positions = new int[size];
        for (int i = 0; i < size; i++) {
            store.readKey(i, key, 0);
            double sq = 0;
            for (float x : key) {
                sq += (double) x * x;
            }
            scores[i] = (float) -Math.sqrt(sq);
            positions[i] = store.position(i);
        }
        return Ranking.top(scores, positions, keep);
    }
}
