package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import java.util.Arrays;
import java.util.List;

/**
 * Random eviction (POLICIES.md 1), a sanity lower bound: every (layer, KV head, position) gets a
 * seeded score uniform in [0, 1) and each KV head keeps its {@code m} highest-scored entries, with
 * {@code m} = the budget's entries for the prompt (a fraction {@code 1 - r} gives kvpress's
 * {@code floor(n(1 - r))}). Once, after prefill (kvpress); no compression when {@code n <= m}.
 * <ul>
 *   <li>The score is a hash of (seed, layer, KV head, position), so it does not depend on the order
 *       of calls and a position keeps its score across recompressions: at any time the kept set is
 *       a uniform subset of everything seen.</li>
 *   <li>Option {@code draw=layer}: one draw per (layer, position) shared by every KV head.</li>
 *   <li>Options {@code sinks} and {@code window}: protect the first / last entries (default 0, as
 *       kvpress); they count inside {@code m}.</li>
 *   <li>Option {@code decode=recompress}: every {@code interval} generated tokens, evict back to
 *       {@code m} with the same rule (kvpress DecodingPress style); default none.</li>
 * </ul>
 */
public final class RandomPolicy implements KvPolicy {

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("random", "Random",
            "kvpress RandomPress (baseline)",
            "Keeps a seeded uniformly random subset of each KV head's entries; once, after prefill.",
            false, false, List.of(
                    PolicyOption.number("seed", "0", "seed of the scores, for reproducible runs"),
                    PolicyOption.choice("draw", "head", List.of("head", "layer"),
                            "head (default, kvpress): independent scores per KV head; layer: one draw shared "
                                    + "by every KV head of a layer"),
                    PolicyOption.number("sinks", "0", "first entries always kept (default 0, as kvpress)"),
                    PolicyOption.number("window", "0", "last entries always kept (default 0, as kvpress)"),
                    PolicyOption.choice("decode", "none", List.of("none", "recompress"),
                            "none (default, kvpress: generated tokens are appended) or recompress: every "
                                    + "interval steps evict back to the budget"),
                    PolicyOption.number("interval", "512",
                            "steps between decode recompressions (kvpress DecodingPress default)")));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new RandomPolicy(budget, options);
        }
    };

    private final PolicyOptions options;
    private final Budget budget;
    private final long seed;
    private final boolean sharedPerLayer;
    private final int sinks;
    private final int window;
    private final boolean recompress;
    private final int interval;
    private int entries;
    private int promptLength;

    private RandomPolicy(Budget budget, PolicyOptions options) {
        this.options = options;
        this.budget = budget;
        try {
            this.seed = Long.parseLong(options.string("seed"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option random:seed must be an integer, got '" + options.string("seed") + "'");
        }
        this.sharedPerLayer = options.string("draw").equals("layer");
        this.sinks = options.integer("sinks");
        this.window = options.integer("window");
        this.recompress = options.string("decode").equals("recompress");
        this.interval = options.integer("interval");
        if (sinks < 0 || window < 0 || interval < 1) {
            throw new IllegalArgumentException("random: sinks and window must be at least 0 and interval at least 1, got "
                    + "sinks " + sinks + ", window " + window + ", interval " + interval);
        }
        if (!budget.isFraction()) {
            requireRoom(budget.entriesPerHead());
        }
    }

    private void requireRoom(int m) {
        if (sinks + window > m && m != Integer.MAX_VALUE) {
            throw new IllegalArgumentException("random: sinks " + sinks + " + window " + window
                    + " protected entries do not fit in a budget of " + m + " entries per KV head");
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

    /**
     * The score of (layer, KV head, position) for this seed: uniform in [0, 1). With {@code draw=layer}
     * the KV head does not enter the hash.
     */
    public double score(int layer, int kvHead, int position) {
        long h = mix(seed ^ 0x6A09E667F3BCC909L);
        h = mix(h ^ layer);
        h = mix(h ^ (sharedPerLayer ? -1 : kvHead));
        h = mix(h ^ position);
        return (h >>> 11) * 0x1.0p-53;
    }

    /** SplitMix64's finaliser: a bijection whose output bits all depend on every input bit. */
    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public AttentionListener beginPrefill(PolicyContext context, int n) {
        promptLength = n;
        entries = Math.max(1, budget.entriesFor(n));
        requireRoom(entries);
        return null;
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        evict(context, editor);
    }

    @Override
    public void endStep(PolicyContext context, int position, CacheEditor editor) {
        int generated = position - promptLength + 1;
        if (recompress && generated % interval == 0) {
            evict(context, editor);
        }
    }

    private void evict(PolicyContext context, CacheEditor editor) {
        for (int l = 0; l < context.cache().layers(); l++) {
            for (int g = 0; g < context.cache().kvHeads(); g++) {
                KvHeadStore store = editor.store(l, g);
                int m = store.size();
                if (m > entries) {
                    editor.retain(l, g, choose(l, g, store), entries);
                }
            }
        }
    }

    /** The protected sinks and window plus the highest-scored of the rest, ascending. */
    private int[] choose(int layer, int kvHead, KvHeadStore store) {
        int m = store.size();
        int from = Math.min(sinks, m);
        int to = Math.max(from, m - window);
        Integer[] candidates = new Integer[to - from];
        double[] scores = new double[m];
        for (int i = from; i < to; i++) {
            candidates[i - from] = i;
            scores[i] = score(layer, kvHead, store.position(i));
        }
        // Ties (probability ~2^-53) go to the lower position, the shared rule.
        Arrays.sort(candidates, (a, b) -> {
            int c = Double.compare(scores[b], scores[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int pick = entries - from - (m - to);
        int[] chosen = new int[pick];
        for (int i = 0; i < pick; i++) {
            chosen[i] = candidates[i];
        }
        Arrays.sort(chosen);
        return Ranking.union(Ranking.union(Ranking.range(0, from), chosen), Ranking.range(to, m));
    }
}
