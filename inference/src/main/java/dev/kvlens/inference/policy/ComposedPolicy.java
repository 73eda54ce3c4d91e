package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.AttentionListener;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Several policies run as one, in order, as the papers combine them ({@code snapkv+think}: evict,
 * then prune key channels; {@code h2o+kivi}: evict every step, store quantised). Every moment is
 * handed to each part in order; prompt and step listeners are chained with
 * {@link AttentionListener#both}. The budget is the one given (it is the eviction part's: parts that
 * only change how entries are stored keep every entry). Bookkeeping and RoPE shifts are summed.
 * Options are listed as {@code part.option}.
 */
public final class ComposedPolicy implements KvPolicy {

    private final List<KvPolicy> parts;
    private final Budget budget;
    private final PolicyDescriptor descriptor;
    private final PolicyOptions options;

    /**
     * @throws IllegalArgumentException for fewer than two parts, a part named twice, or parts that
     *                                  refuse each other ({@link CompositionRule})
     */
    public ComposedPolicy(List<KvPolicy> parts, Budget budget) {
        if (parts.size() < 2) {
            throw new IllegalArgumentException("a composition needs at least two policies, got " + parts.size());
        }
        this.parts = List.copyOf(parts);
        this.budget = budget;
        Set<String> ids = new HashSet<>();
        for (KvPolicy p : this.parts) {
            if (!ids.add(p.descriptor().id())) {
                throw new IllegalArgumentException("policy '" + p.descriptor().id() + "' appears twice in a composition");
            }
        }
        for (KvPolicy p : this.parts) {
            if (p instanceof CompositionRule rule) {
                rule.checkComposition(this.parts);
            }
        }
        this.descriptor = describe(this.parts);
        Map<String, String> values = new LinkedHashMap<>();
        for (KvPolicy p : this.parts) {
            for (PolicyOption o : p.descriptor().options()) {
                values.put(p.descriptor().id() + "." + o.name(), p.options().string(o.name()));
            }
        }
        this.options = new PolicyOptions(descriptor.id(), descriptor.options(), values);
    }

    /**
     * Ids joined by '+'; display name read as "last on first" ("ThinK on SnapKV"); reconstructed or
     * simulated when any part is.
     */
    private static PolicyDescriptor describe(List<KvPolicy> parts) {
        List<String> ids = new ArrayList<>();
        List<String> papers = new ArrayList<>();
        List<String> descriptions = new ArrayList<>();
        List<PolicyOption> declared = new ArrayList<>();
        boolean reconstruction = false;
        boolean simulated = false;
        StringBuilder name = new StringBuilder();
        for (KvPolicy p : parts) {
            PolicyDescriptor d = p.descriptor();
            ids.add(d.id());
            papers.add(d.paper());
            descriptions.add(d.displayName() + ": " + d.description());
            reconstruction |= d.reconstruction();
            simulated |= d.simulated();
            name.insert(0, name.isEmpty() ? d.displayName() : d.displayName() + " on ");
            for (PolicyOption o : d.options()) {
                declared.add(new PolicyOption(d.id() + "." + o.name(), o.defaultValue(), o.choices(), o.description()));
            }
        }
        String displayName = name.toString();
        if (reconstruction && !displayName.endsWith("-like")) {
            displayName = "(" + displayName + ")-like"; // a reconstructed part makes the whole a reconstruction
        }
        return new PolicyDescriptor(String.join("+", ids), displayName, String.join("; ", papers),
                String.join(" Then ", descriptions), reconstruction, simulated, declared);
    }

    /** The parts, in the order they run. */
    public List<KvPolicy> parts() {
        return parts;
    }

    @Override
    public PolicyDescriptor descriptor() {
        return descriptor;
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
    public AttentionListener beginPrefill(PolicyContext context, int promptLength) {
        AttentionListener listener = null;
        for (KvPolicy p : parts) {
            listener = AttentionListener.both(listener, p.beginPrefill(context, promptLength));
        }
        return listener;
    }

    @Override
    public void endPrefill(PolicyContext context, CacheEditor editor) {
        for (KvPolicy p : parts) {
            p.endPrefill(context, editor);
        }
    }

    @Override
    public AttentionListener beginStep(PolicyContext context, int position) {
        AttentionListener listener = null;
        for (KvPolicy p : parts) {
            listener = AttentionListener.both(listener, p.beginStep(context, position));
        }
        return listener;
    }

    @Override
    public void endStep(PolicyContext context, int position, CacheEditor editor) {
        for (KvPolicy p : parts) {
            p.endStep(context, position, editor);
        }
    }

    @Override
    public int ropePositionShift() {
        int shift = 0;
        for (KvPolicy p : parts) {
            shift += p.ropePositionShift();
        }
        return shift;
    }

    @Override
    public long bookkeepingBytes() {
        long total = 0;
        for (KvPolicy p : parts) {
            total += p.bookkeepingBytes();
        }
        return total;
    }
}
