package dev.kvlens.inference.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Option values given to a policy ("window=32,kernel=7"), checked against the policy's declared
 * options: an unknown name or a bad value is refused with a message listing what is valid.
 */
public final class PolicyOptions {

    private final String policy;
    private final Map<String, PolicyOption> declared = new LinkedHashMap<>();
    private final Map<String, String> values = new LinkedHashMap<>();

    public PolicyOptions(String policy, List<PolicyOption> declared, Map<String, String> given) {
        this.policy = policy;
        for (PolicyOption o : declared) {
            this.declared.put(o.name(), o);
            values.put(o.name(), o.defaultValue());
        }
        for (Map.Entry<String, String> e : given.entrySet()) {
            PolicyOption o = this.declared.get(e.getKey());
            if (o == null) {
                throw new IllegalArgumentException("policy '" + policy + "' has no option '" + e.getKey() + "'"
                        + (declared.isEmpty() ? " (it takes none)" : "; valid options: "
                        + declared.stream().map(PolicyOption::name).collect(Collectors.joining(", "))));
            }
            if (!o.choices().isEmpty() && !o.choices().contains(e.getValue())) {
                throw new IllegalArgumentException("option " + policy + ":" + o.name() + " must be one of "
                        + String.join(", ", o.choices()) + ", got '" + e.getValue() + "'");
            }
            values.put(e.getKey(), e.getValue());
        }
    }

    /** Defaults only. */
    public static PolicyOptions defaults(String policy, List<PolicyOption> declared) {
        return new PolicyOptions(policy, declared, Map.of());
    }

    public String string(String name) {
        String v = values.get(name);
        if (v == null && !declared.containsKey(name)) {
            throw new IllegalStateException(policy + " reads undeclared option " + name);
        }
        return v;
    }

    public int integer(String name) {
        String v = string(name);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + policy + ":" + name + " must be an integer, got '" + v + "'");
        }
    }

    public double number(String name) {
        String v = string(name);
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + policy + ":" + name + " must be a number, got '" + v + "'");
        }
    }

    public boolean flag(String name) {
        String v = string(name);
        return switch (v) {
            case "true", "on", "yes", "1" -> true;
            case "false", "off", "no", "0" -> false;
            default -> throw new IllegalArgumentException("option " + policy + ":" + name
                    + " must be true or false, got '" + v + "'");
        };
    }

    /** The option values as given or defaulted, in declaration order, for labels and traces. */
    public Map<String, String> values() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    @Override
    public String toString() {
        return values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }
}
