package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.DenseHeadStore;
import dev.kvlens.inference.cache.KiviHeadStore;
import dev.kvlens.inference.cache.KiviSettings;
import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.ModelConfig;
import java.util.List;

/**
 * KIVI (POLICIES.md 14): every (layer, KV head) is held by a {@link KiviHeadStore}: keys quantised
 * per channel over groups of G entries, values per entry over groups of G channels, 2 or 4 bits,
 * fp16 scales and minimums, the last entries full precision (residual window R). Defaults G = 32,
 * R = 128: the setting of KIVI's LongBench results (its examples use R = 32, its argument defaults
 * G = R = 128).
 * <p>
 * The prompt runs with full-precision attention, as in the reference, and its entries are converted
 * at the end of prefill by appending them in order to a new store; since the store quantises keys R
 * at a time and values as they leave the last R, that leaves exactly the paper's after-prefill state
 * (keys of the first {@code n - n mod R} entries quantised, values of the first {@code max(0, n - R)}).
 * Generated tokens then follow the same rule as they are appended.
 * <p>
 * KV Lens choice: a value group cannot be wider than one vector, so values are grouped by
 * {@code min(G, d)} channels (stories260K, d = 8: one group per value). Keeps every entry; put an
 * eviction policy first to evict as well ({@code h2o+kivi}); evictions then drop quantised entries
 * without requantising ({@link KiviHeadStore#retain}).
 */
public final class KiviPolicy implements KvPolicy, CompositionRule {

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("kivi", "KIVI",
            "KIVI, arXiv 2402.02750",
            "Quantises keys per channel and values per token to 2 or 4 bits (asymmetric min/max, fp16 scales), "
                    + "keeping the last R entries in full precision; combine with eviction, e.g. h2o+kivi.",
            false, false, List.of(
                    PolicyOption.choice("bits", "2", List.of("2", "4"),
                            "code width for keys and values (KIVI-2 / KIVI-4; the authors suggest 4 for GQA models)"),
                    PolicyOption.number("group", "32",
                            "G: entries per key group, channels per value group (at most d); 32 as in KIVI's LongBench runs"),
                    PolicyOption.number("residual", "128",
                            "R: full-precision window, a multiple of G; 128 as in KIVI's LongBench runs")));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new KiviPolicy(options);
        }
    };

    private final PolicyOptions options;
    private final int bits;
    private final int group;
    private final int residual;

    private KiviPolicy(PolicyOptions options) {
        this.options = options;
        this.bits = options.integer("bits");
        this.group = options.integer("group");
        this.residual = options.integer("residual");
        settings(group); // refuses bad values now, with the message of KiviSettings
    }

    /** The store settings for heads of {@code headDim} channels. */
    public KiviSettings settings(int headDim) {
        try {
            KiviSettings s = new KiviSettings(bits, group, Math.min(group, headDim), residual);
            s.requireHeadDim(headDim);
            return s;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("kivi: " + e.getMessage(), e);
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

    /** KIVI keeps every entry; a composition's eviction part holds the budget. */
    @Override
    public Budget budget() {
        return Budget.UNLIMITED;
    }

    @Override
    public void checkComposition(List<KvPolicy> parts) {
        for (KvPolicy p : parts) {
            if (CompositionRule.rotatesCachedKeys(p)) {
                throw new IllegalArgumentException("kivi cannot run with StreamingLLM's in-cache position modes (a, c): "
                        + "quantised keys cannot be re-rotated; use its position-preserving mode (b)");
            }
            if (p.descriptor().id().equals("think")) {
                throw new IllegalArgumentException("think and kivi cannot be composed: both change how entries are "
                        + "stored (pruned channels, quantised codes)");
            }
        }
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        ModelConfig c = context.config();
        KiviSettings settings = settings(c.headDim());
        for (int l = 0; l < c.layers(); l++) {
            for (int g = 0; g < c.kvHeads(); g++) {
                KvHeadStore store = editor.store(l, g);
                if (!(store instanceof DenseHeadStore)) {
                    throw new IllegalStateException("kivi quantises full-precision stores, but layer " + l + ", KV head " + g
                            + " holds a " + store.getClass().getSimpleName());
                }
                editor.replace(l, g, KiviHeadStore.of(store, settings));
            }
        }
    }
}
