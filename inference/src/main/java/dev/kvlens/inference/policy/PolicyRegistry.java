package dev.kvlens.inference.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every policy KV Lens knows, by command-line name. A spec is {@code name[:option=value,...]},
 * e.g. {@code snapkv:window=16,pooling=avg}.
 */
public final class PolicyRegistry {

    private static final Map<String, PolicyFactory> FACTORIES = new LinkedHashMap<>();

    static {
        // One line per policy, in the order of POLICIES.md.
        register(FullKvPolicy.FACTORY);
        register(RandomPolicy.FACTORY);
        register(StreamingLlmPolicy.FACTORY);
        register(H2oPolicy.FACTORY);
        register(TovaPolicy.FACTORY);
        register(SnapKvPolicy.FACTORY);
        register(PyramidKvPolicy.FACTORY);
        register(AdaKvPolicy.FACTORY);
        register(KNormPolicy.FACTORY);
        register(ThinkPolicy.FACTORY);
        register(SimLayerKvPolicy.FACTORY);
        register(GVotePolicy.FACTORY);
        register(KiviPolicy.FACTORY);
        register(CormPolicy.FACTORY);
        register(KvCompressPolicy.FACTORY);
        register(ZigZagKvPolicy.FACTORY);
        register(dev.kvlens.inference.policy.profiled.BaklavaPolicy.FACTORY);
        register(dev.kvlens.inference.policy.profiled.SurfaceLogicKvPolicy.FACTORY);
        register(dev.kvlens.inference.policy.profiled.FastGenPolicy.FACTORY);
        register(dev.kvlens.inference.policy.profiled.KvSharerPolicy.FACTORY);
    }

    private PolicyRegistry() {
    }

    private static void register(PolicyFactory factory) {
        String id = factory.descriptor().id();
        if (FACTORIES.putIfAbsent(id, factory) != null) {
            throw new IllegalStateException("two policies named " + id);
        }
    }

    public static List<PolicyDescriptor> descriptors() {
        return FACTORIES.values().stream().map(PolicyFactory::descriptor).toList();
    }

    public static PolicyFactory factory(String id) {
        PolicyFactory f = FACTORIES.get(id);
        if (f == null) {
            throw new IllegalArgumentException("unknown policy '" + id + "'; valid policies: "
                    + String.join(", ", FACTORIES.keySet()));
        }
        return f;
    }

    /**
     * Parses {@code name[:option=value,...]} and makes an instance; several specs joined by '+'
     * ({@code snapkv:window=16+kivi:bits=4}) make a {@link ComposedPolicy} whose parts run in that order.
     *
     * @throws IllegalArgumentException naming the valid policies, options or values
     */
    public static KvPolicy create(String spec, Budget budget) {
        String[] specs = spec.split("\\+", -1);
        if (specs.length > 1) {
            List<KvPolicy> parts = new java.util.ArrayList<>();
            for (String part : specs) {
                if (part.isBlank()) {
                    throw new IllegalArgumentException("empty policy in '" + spec + "' (compose like snapkv+think)");
                }
                parts.add(create(part, budget));
            }
            return new ComposedPolicy(parts, budget);
        }
        String trimmed = spec.trim();
        int colon = trimmed.indexOf(':');
        String id = (colon < 0 ? trimmed : trimmed.substring(0, colon)).toLowerCase(java.util.Locale.ROOT);
        PolicyFactory factory = factory(id);
        Map<String, String> given = new LinkedHashMap<>();
        if (colon >= 0 && colon < trimmed.length() - 1) {
            for (String pair : trimmed.substring(colon + 1).split(",")) {
                int eq = pair.indexOf('=');
                if (eq <= 0 || eq == pair.length() - 1) {
                    throw new IllegalArgumentException("policy option '" + pair + "' is not name=value (in '" + spec + "')");
                }
                given.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        PolicyOptions options = new PolicyOptions(id, factory.descriptor().options(), given);
        return factory.create(budget, options);
    }
}
