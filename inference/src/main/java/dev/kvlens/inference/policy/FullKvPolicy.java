package dev.kvlens.inference.policy;

import java.util.List;

/** Keeps every entry: the reference every other lane is measured against (POLICIES.md 1). */
public final class FullKvPolicy implements KvPolicy {

    private static final PolicyDescriptor DESCRIPTOR = new PolicyDescriptor("full", "FullKV",
            "baseline (no compression)", "Keeps every key and value: the reference for quality and memory.",
            false, false, List.of());

    public static final PolicyFactory FACTORY = new PolicyFactory() {
        @Override
        public PolicyDescriptor descriptor() {
            return DESCRIPTOR;
        }

        @Override
        public KvPolicy create(Budget budget, PolicyOptions options) {
            return new FullKvPolicy(options);
        }
    };

    private final PolicyOptions options;

    private FullKvPolicy(PolicyOptions options) {
        this.options = options;
    }

    public static FullKvPolicy create() {
        return new FullKvPolicy(PolicyOptions.defaults(DESCRIPTOR.id(), DESCRIPTOR.options()));
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
        return Budget.UNLIMITED;
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        // nothing to evict
    }
}
