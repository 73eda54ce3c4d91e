package dev.kvlens.inference.policy;

import dev.kvlens.inference.cache.DenseHeadStore;
import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.RotaryEmbedding;
import java.util.List;
import java.util.Map;

/**
 * StreamingLLM, attention sinks plus a recent window (POLICIES.md 2 and 0.5): keep the first
 * {@code S = 4} positions and the newest {@code B - S}; drop everything between. The same index
 * set for every layer and KV head.
 * <ul>
 *   <li>When: at the end of prefill and after every decoding step (the official perplexity loop
 *       evicts after each token so the cache holds at most {@code S + W} between tokens). Option
 *       {@code decode=none}: only at prefill (kvpress / KVCache-Factory baseline).</li>
 *   <li>Option {@code positions}: {@code original} (default, mode b: keys keep the rotation of
 *       their original positions, queries use the absolute position); {@code shift} (mode a, the
 *       official pos_shift: keys held before RoPE in a {@link SlotRotatedHeadStore} and rotated by
 *       their slot at attention); {@code rerotate} (mode c: keys held after RoPE and re-rotated by
 *       {@code new slot - old slot} on eviction). In modes a and c queries use the cache length as
 *       position ({@link #ropePositionShift()} = entries evicted so far); a and c agree up to rounding.</li>
 * </ul>
 * Runs are labelled "StreamingLLM (paper, mode a/c)" or "StreamingLLM (position-preserving, mode b)"
 * ({@link #label()}, also the instance's display name).
 */
public final class StreamingLlmPolicy implements KvPolicy {

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("streamingllm", "StreamingLLM",
            "StreamingLLM (Xiao et al.), arXiv 2309.17453",
            "Keeps the first tokens (attention sinks) and a window of the most recent ones; at the end of "
                    + "prefill and after every step.",
            false, false, List.of(
                    PolicyOption.number("sinks", "4", "S, first positions always kept (official start_size=4)"),
                    PolicyOption.choice("positions", "original", List.of("original", "shift", "rerotate"),
                            "original (mode b, default: original RoPE positions), shift (mode a, official "
                                    + "pos_shift: keys held pre-RoPE, rotated by cache slot) or rerotate (mode c: "
                                    + "post-RoPE keys re-rotated on eviction)"),
                    PolicyOption.choice("decode", "every-step", List.of("every-step", "none"),
                            "every-step (default, the paper: evict after each generated token) or none "
                                    + "(only at prefill, as kvpress and KVCache-Factory)")));

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new StreamingLlmPolicy(budget, options);
        }
    };

    private final PolicyOptions options;
    private final Budget budget;
    private final int sinks;
    private final StreamingPositions positions;
    private final boolean everyStep;
    private int entries;
    private int evicted;
    private SlotRotations rotations;
    private RotaryEmbedding lastRotation;
    private int lastDelta;
    private ModelConfig config;

    private StreamingLlmPolicy(Budget budget, PolicyOptions options) {
        this.options = options;
        this.budget = budget;
        this.sinks = options.integer("sinks");
        this.positions = StreamingPositions.parse(options.string("positions"));
        this.everyStep = options.string("decode").equals("every-step");
        if (sinks < 0) {
            throw new IllegalArgumentException("option streamingllm:sinks must be at least 0, got " + sinks);
        }
        if (!budget.isFraction()) {
            requireWindow(budget.entriesPerHead());
        }
    }

    public static StreamingLlmPolicy create(Budget budget, StreamingPositions positions) {
        return new StreamingLlmPolicy(budget, new PolicyOptions(DESCRIPTOR.id(), DESCRIPTOR.options(),
                Map.of("positions", positions.option())));
    }

    private void requireWindow(int b) {
        if (b <= sinks) {
            throw new IllegalArgumentException("streamingllm: budget " + b + " entries per KV head must exceed the "
                    + sinks + " sinks (the recent window is B - S); lower the option sinks or raise the budget");
        }
    }

    /** "StreamingLLM (paper, mode a)", "StreamingLLM (paper, mode c)" or "StreamingLLM (position-preserving, mode b)". */
    public String label() {
        return "StreamingLLM (" + positions.label() + ")";
    }

    public StreamingPositions positions() {
        return positions;
    }

    @Override
    public PolicyDescriptor descriptor() {
        return new PolicyDescriptor(DESCRIPTOR.id(), label(), DESCRIPTOR.paper(), DESCRIPTOR.description(),
                false, false, DESCRIPTOR.options());
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
    public AttentionListener beginPrefill(PolicyContext context, int n) {
        entries = budget.entriesFor(n);
        requireWindow(entries);
        evicted = 0;
        config = context.config();
        rotations = positions == StreamingPositions.SHIFT ? new SlotRotations(context.config()) : null;
        lastRotation = null;
        return null;
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        evict(context, editor);
        if (rotations != null) {
            rotations.trim(entries + 1); // no slot beyond the budget and the incoming token is read again
        }
    }

    @Override
    public void endStep(PolicyContext context, int position, CacheEditor editor) {
        if (everyStep) {
            evict(context, editor);
        }
    }

    /** In modes a and c the next query's RoPE position is the cache length: absolute minus evicted. */
    @Override
    public int ropePositionShift() {
        return positions == StreamingPositions.ORIGINAL ? 0 : evicted;
    }

    /** Drops the middle so that every store holds the sinks and the last {@code B - S} entries. */
    private void evict(PolicyContext context, CacheEditor editor) {
        int m = editor.store(0, 0).size();
        if (m <= entries) {
            return;
        }
        int[] kept = Ranking.union(Ranking.range(0, sinks), Ranking.range(m - (entries - sinks), m));
        for (int l = 0; l < context.cache().layers(); l++) {
            for (int g = 0; g < context.cache().kvHeads(); g++) {
                KvHeadStore before = editor.store(l, g);
                if (before.size() != m) {
                    throw new IllegalStateException("StreamingLLM keeps one index set, but layer " + l + " KV head " + g
                            + " holds " + before.size() + " entries and layer 0 KV head 0 holds " + m);
                }
                editor.retain(l, g, kept, entries);
                if (positions == StreamingPositions.SHIFT && !(before instanceof SlotRotatedHeadStore)) {
                    editor.replace(l, g, unrotated(editor.store(l, g), kept));
                } else if (positions == StreamingPositions.REROTATE) {
                    editor.replace(l, g, rerotated(editor.store(l, g), kept));
                }
            }
        }
        evicted += m - entries;
    }

    /**
     * Mode a's first eviction: the kept keys were rotated at their old slots (their old indices: no
     * entry had moved yet) and go into a store that holds them before RoPE.
     */
    private SlotRotatedHeadStore unrotated(KvHeadStore kept, int[] oldSlots) {
        int d = kept.headDim();
        SlotRotatedHeadStore store = new SlotRotatedHeadStore(d, kept.size(), rotations);
        float[] key = new float[d];
        float[] value = new float[d];
        for (int i = 0; i < kept.size(); i++) {
            kept.readKey(i, key, 0);
            kept.readValue(i, value, 0);
            store.appendRotatedAt(kept.position(i), key, 0, oldSlots[i], value, 0);
        }
        return store;
    }

    /** Mode c: every kept key moves from slot {@code oldSlots[i]} to slot {@code i}; rotate it by the difference. */
    private DenseHeadStore rerotated(KvHeadStore kept, int[] oldSlots) {
        int d = kept.headDim();
        DenseHeadStore store = new DenseHeadStore(d, kept.size());
        float[] key = new float[d];
        float[] value = new float[d];
        for (int i = 0; i < kept.size(); i++) {
            kept.readKey(i, key, 0);
            kept.readValue(i, value, 0);
            int delta = i - oldSlots[i];
            if (delta != 0) {
                rotation(delta).apply(key, 0, 1);
            }
            store.append(kept.position(i), key, 0, value, 0);
        }
        return store;
    }

    /** The rotation by {@code delta} positions; in steady state always -1, so the last one is reused. */
    private RotaryEmbedding rotation(int delta) {
        if (lastRotation == null || lastDelta != delta) {
            lastRotation = new RotaryEmbedding(config);
            lastRotation.setPosition(delta);
            lastDelta = delta;
        }
        return lastRotation;
    }

    /** Mode a's shared rotation tables (cos/sin per slot); nothing in modes b and c. */
    @Override
    public long bookkeepingBytes() {
        return rotations == null ? 0 : rotations.bytes();
    }
}
