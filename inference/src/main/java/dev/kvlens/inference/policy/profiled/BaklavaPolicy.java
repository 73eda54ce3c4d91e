package dev.kvlens.inference.policy.profiled;

import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.CacheEditor;
import dev.kvlens.inference.policy.DecodeRecompression;
import dev.kvlens.inference.policy.KvPolicy;
import dev.kvlens.inference.policy.PolicyContext;
import dev.kvlens.inference.policy.PolicyDescriptor;
import dev.kvlens.inference.policy.PolicyFactory;
import dev.kvlens.inference.policy.PolicyOption;
import dev.kvlens.inference.policy.PolicyOptions;
import dev.kvlens.inference.policy.SnapKvScoring;
import dev.kvlens.inference.policy.WindowAttentionCollector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * BaKlaVa-like (POLICIES.md 11, a reconstruction): every (layer, KV head) keeps its own share of the
 * prompt, read from a table that {@code kvlens profile --policy baklava} made offline (head
 * importance from how much a head changes its input, times a layer proxy, turned into budgets by a
 * perplexity-searched power law). Inside each head, SnapKV chooses the tokens.
 * <p>
 * Budget: a kept fraction {@code rho'} (or entries {@code B}, read as {@code B/n}) rescales the
 * table's fractions by {@code rho'/rho_table}; each head keeps {@code clamp(round(f * n), 1, n)}.
 * An unlimited budget uses the table as it is. Prefill once; generated tokens are appended unless
 * {@code decode=recompress} (not the paper's: off by default), which every {@code interval} steps
 * brings each head back to its prefill budget (at least the window).
 */
public final class BaklavaPolicy implements KvPolicy {

    static final String ID = "baklava";

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor(ID, "BaKlaVa-like",
            "BaKlaVa, arXiv 2502.13176 (reconstruction)",
            "Per-KV-head budgets from an offline importance profile (1 - cos of head input and output, times a "
                    + "layer proxy) searched by perplexity; SnapKV picks the tokens inside each head.",
            true, false, declaredOptions());

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            String path = options.string("table");
            if (path.isEmpty()) {
                throw new IllegalArgumentException("baklava needs its profile: run `kvlens profile --model M --policy "
                        + "baklava --out FILE` and pass baklava:table=FILE");
            }
            ProfileTable t = ProfileTables.read(Path.of(path), ID);
            if (t.baklava() == null) {
                throw new IllegalArgumentException("the profile table " + path + " has no baklava section");
            }
            return new BaklavaPolicy(t.model(), t.layers(), t.heads(), t.kvHeads(), t.baklava().keepFraction(),
                    t.baklava().targetKeep(), budget, options);
        }
    };

    private static List<PolicyOption> declaredOptions() {
        List<PolicyOption> all = new ArrayList<>();
        all.add(PolicyOption.number("table", "", "the profile table written by `kvlens profile --policy baklava`"));
        all.addAll(SnapKvScoring.declaredOptions());
        all.addAll(DecodeRecompressionOption.declared());
        return all;
    }

    private final String profiledModel;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final double[][] keepFraction;
    private final double tableKeep;
    private final Budget budget;
    private final PolicyOptions options;
    private final SnapKvScoring scoring;
    private final boolean recompress;
    private final int interval;
    private WindowAttentionCollector collector;
    private int[][] lastBudgets;
    private DecodeRecompression decode;

    BaklavaPolicy(String profiledModel, int layers, int heads, int kvHeads, double[][] keepFraction, double tableKeep,
                  Budget budget, PolicyOptions options) {
        ProfileTables.requireMatrix(keepFraction, layers, kvHeads, "keepFraction", ID);
        if (!(tableKeep > 0 && tableKeep <= 1)) {
            throw new IllegalArgumentException(ID + ": the profile table's targetKeep " + tableKeep + " is not in (0, 1]");
        }
        this.profiledModel = profiledModel;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.keepFraction = keepFraction;
        this.tableKeep = tableKeep;
        this.budget = budget;
        this.options = options;
        this.scoring = SnapKvScoring.from(options);
        this.recompress = DecodeRecompressionOption.recompress(options);
        this.interval = DecodeRecompressionOption.interval(options, ID);
    }

    /** Defaults for every option but the table, for the profiler's search. */
    static PolicyOptions defaultOptions() {
        return PolicyOptions.defaults(ID, DESCRIPTOR.options());
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

    /** The entries each (layer, KV head) was given at the last prefill. */
    public int[][] lastBudgets() {
        return lastBudgets;
    }

    /** {@code clamp(round(f[l][g] * scale * n), 1, n)}, scale = requested keep / the table's. */
    int[][] budgets(int n) {
        double scale = 1;
        if (budget.isFraction()) {
            scale = budget.keepFraction() / tableKeep;
        } else if (budget.entriesPerHead() != Integer.MAX_VALUE) {
            scale = Math.min(1.0, budget.entriesPerHead() / (double) n) / tableKeep;
        }
        int[][] b = new int[layers][kvHeads];
        for (int l = 0; l < layers; l++) {
            for (int g = 0; g < kvHeads; g++) {
                b[l][g] = (int) Math.max(1, Math.min(n, Math.round(keepFraction[l][g] * scale * n)));
            }
        }
        return b;
    }

    @Override
    public AttentionListener beginPrefill(PolicyContext context, int n) {
        ModelConfig c = context.config();
        if (c.layers() != layers || c.heads() != heads || c.kvHeads() != kvHeads) {
            throw new IllegalArgumentException(ID + ": the profile table was made for " + layers + " layers x " + heads
                    + " heads of " + profiledModel + ", this model has " + c.layers() + " x " + c.heads()
                    + "; run `kvlens profile` for it");
        }
        decode = null;
        collector = new WindowAttentionCollector(c.layers(), c.heads(), c.headDim(), n, scoring.window(), false, null);
        return collector;
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        int n = collector.promptLength();
        lastBudgets = budgets(n);
        PerHeadSnapKvSelection.apply(context.config(), editor, collector, scoring, lastBudgets);
        collector = null;
        if (recompress) {
            // each head is held at what it kept from the prompt
            decode = new DecodeRecompression(scoring, interval, n, context.config().heads(),
                    DecodeRecompressionOption.targets(lastBudgets, scoring.window()));
        }
    }

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
