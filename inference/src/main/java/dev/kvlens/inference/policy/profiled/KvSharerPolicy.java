package dev.kvlens.inference.policy.profiled;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.cache.SharedLayerHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.CacheEditor;
import dev.kvlens.inference.policy.CompositionRule;
import dev.kvlens.inference.policy.KvPolicy;
import dev.kvlens.inference.policy.PolicyContext;
import dev.kvlens.inference.policy.PolicyDescriptor;
import dev.kvlens.inference.policy.PolicyFactory;
import dev.kvlens.inference.policy.PolicyOption;
import dev.kvlens.inference.policy.PolicyOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * KVSharer (POLICIES.md 15.4): layers chosen offline by {@code kvlens profile --policy kvsharer}
 * read a lower layer's cache instead of keeping their own. Before the prompt runs, every KV head of
 * a sharing layer gets a {@link SharedLayerHeadStore} over its source layer: the layer still
 * computes its queries, stores nothing and attends over the source's entries, which hold the
 * current token because lower layers run first. Memory saved: shared layers / L of the KV.
 * <p>
 * Composition with token-eviction policies ({@code kvsharer+snapkv}): decisions are made on source
 * layers; an eviction requested on a sharing layer is ignored by its view (its {@code retain} is a
 * no-op), so shared entries are never evicted twice and the sharing layer sees the source's choice.
 * Policies that replace stores by another form (kivi, think, StreamingLLM's in-cache position
 * modes) are refused: they would copy the view into a store of its own and undo the sharing.
 * Every token is kept: the budget is not used.
 */
public final class KvSharerPolicy implements KvPolicy, CompositionRule {

    static final String ID = "kvsharer";

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor(ID, "KVSharer",
            "KVSharer: layer-wise dissimilar KV cache sharing, arXiv 2410.18517",
            "Layers chosen offline (most dissimilar layer pairs first, kept while final hidden states stay similar) "
                    + "read a lower layer's keys and values instead of storing their own.",
            false, false, List.of(
            PolicyOption.number("table", "", "the layer map written by `kvlens profile --policy kvsharer`")));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            String path = options.string("table");
            if (path.isEmpty()) {
                throw new IllegalArgumentException("kvsharer needs its layer map: run `kvlens profile --model M --policy "
                        + "kvsharer --out FILE` and pass kvsharer:table=FILE");
            }
            ProfileTable t = ProfileTables.read(Path.of(path), ID);
            if (t.kvSharer() == null || t.kvSharer().sources() == null) {
                throw new IllegalArgumentException("the profile table " + path + " has no kvSharer layer map");
            }
            return new KvSharerPolicy(t.model(), t.kvSharer().sources(), options);
        }
    };

    private final String profiledModel;
    private final int[] sources;
    private final PolicyOptions options;

    /**
     * @param sources sources[l] = the layer whose cache layer l reads (l itself: its own); chains
     *                must already be resolved
     */
    KvSharerPolicy(String profiledModel, int[] sources, PolicyOptions options) {
        this.profiledModel = profiledModel;
        this.sources = sources.clone();
        this.options = options;
        for (int l = 0; l < sources.length; l++) {
            int s = sources[l];
            if (s < 0 || s > l || sources[s] != s) {
                throw new IllegalArgumentException(ID + ": the layer map sends layer " + l + " to layer " + s
                        + "; a layer may read only a lower layer that keeps its own cache");
            }
        }
    }

    /** Defaults for every option but the table, for the calibration's trial runs. */
    static KvSharerPolicy of(String model, int[] sources) {
        return new KvSharerPolicy(model, sources, PolicyOptions.defaults(ID, DESCRIPTOR.options()));
    }

    /** sources[l]: the layer whose cache layer l reads. */
    public int[] sources() {
        return sources.clone();
    }

    /** Number of layers that read another layer's cache. */
    public int sharedLayers() {
        int n = 0;
        for (int l = 0; l < sources.length; l++) {
            n += sources[l] != l ? 1 : 0;
        }
        return n;
    }

    @Override
    public PolicyDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public PolicyOptions options() {
        return options;
    }

    /** Sharing keeps every entry; a composition's eviction part holds the budget. */
    @Override
    public Budget budget() {
        return Budget.UNLIMITED;
    }

    @Override
    public void checkComposition(List<KvPolicy> parts) {
        for (KvPolicy p : parts) {
            String id = p.descriptor().id();
            if (id.equals("kivi") || id.equals("think") || CompositionRule.rotatesCachedKeys(p)) {
                throw new IllegalArgumentException("kvsharer cannot run with " + (id.equals("streamingllm")
                        ? "StreamingLLM's in-cache position modes (a, c)" : id) + ": it replaces every store by one of "
                        + "another form, which would give sharing layers their own entries again; compose kvsharer "
                        + "with token-eviction policies (e.g. kvsharer+snapkv)");
            }
        }
    }

    /** Installs the views before the prompt runs, on the still empty cache. */
    @Override
    public AttentionListener beginPrefill(PolicyContext context, int promptLength) {
        ModelConfig c = context.config();
        if (c.layers() != sources.length) {
            throw new IllegalArgumentException(ID + ": the layer map was made for " + sources.length + " layers of "
                    + profiledModel + ", this model has " + c.layers() + "; run `kvlens profile` for it");
        }
        CacheEditor editor = context.editor();
        for (int l = 0; l < sources.length; l++) {
            if (sources[l] == l) {
                continue;
            }
            for (int g = 0; g < c.kvHeads(); g++) {
                KvHeadStore store = editor.store(l, g);
                if (store.size() != 0) {
                    throw new IllegalStateException(ID + ": layer " + l + " already holds entries; sharing starts "
                            + "on an empty cache");
                }
                editor.replace(l, g, new SharedLayerHeadStore(context.cache(), sources[l], g));
            }
        }
        return null;
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        // the views stay installed: nothing to evict
    }

    @Override
    public String toString() {
        return ID + Arrays.toString(sources);
    }
}
