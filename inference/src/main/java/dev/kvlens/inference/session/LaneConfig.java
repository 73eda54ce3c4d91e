package dev.kvlens.inference.session;

import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.KvPolicy;
import dev.kvlens.inference.policy.PolicyFactory;
import dev.kvlens.inference.policy.PolicyOptions;
import dev.kvlens.inference.policy.PolicyRegistry;
import dev.kvlens.inference.session.event.LaneInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One lane's cache configuration: a policy, its option values and its budget. Creating the policy
 * checks the options, so a bad configuration is refused before any compute starts.
 *
 * @param factory the policy's factory
 * @param options option values given (the rest take their defaults)
 * @param budget  entries per KV head or fraction kept
 */
public record LaneConfig(PolicyFactory factory, Map<String, String> options, Budget budget) {

    /** The full cache, always lane 0. */
    public static final LaneConfig FULL = new LaneConfig(PolicyRegistry.factory("full"), Map.of(), Budget.UNLIMITED);

    public LaneConfig {
        options = Map.copyOf(options);
        // Refuses unknown options and bad values now, with the registry's messages.
        factory.create(budget, new PolicyOptions(factory.descriptor().id(), factory.descriptor().options(), options));
    }

    /**
     * Parses a policy spec {@code name[:option=value,...]} and a budget ("64", "0.25", "25%").
     *
     * @throws IllegalArgumentException naming what is valid
     */
    public static LaneConfig parse(String policySpec, String budget) {
        String trimmed = policySpec.trim();
        int colon = trimmed.indexOf(':');
        String id = (colon < 0 ? trimmed : trimmed.substring(0, colon)).toLowerCase(Locale.ROOT);
        Map<String, String> given = new LinkedHashMap<>();
        if (colon >= 0 && colon < trimmed.length() - 1) {
            for (String pair : trimmed.substring(colon + 1).split(",")) {
                int eq = pair.indexOf('=');
                if (eq <= 0 || eq == pair.length() - 1) {
                    throw new IllegalArgumentException("policy option '" + pair + "' is not name=value (in '"
                            + policySpec + "')");
                }
                given.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        return new LaneConfig(PolicyRegistry.factory(id), given, Budget.parse(budget));
    }

    /**
     * Parses a command-line lane list {@code "snapkv:64,h2o:64"} where the text after the LAST colon
     * of each lane is its budget: {@code "snapkv:window=16:64"} is SnapKV with window 16, budget 64.
     * Lanes are separated by ';' when any lane has options (options use ',' themselves), else by ','.
     */
    public static List<LaneConfig> parseList(String lanes) {
        String separator = lanes.contains("=") ? ";" : ",";
        List<LaneConfig> out = new ArrayList<>();
        for (String lane : lanes.split(separator)) {
            String t = lane.trim();
            int last = t.lastIndexOf(':');
            if (last < 0) {
                out.add(parse(t, t.equalsIgnoreCase("full") ? "1.0" : missingBudget(t)));
            } else {
                out.add(parse(t.substring(0, last), t.substring(last + 1)));
            }
        }
        return out;
    }

    private static String missingBudget(String lane) {
        throw new IllegalArgumentException("lane '" + lane + "' has no budget; write it as policy:budget, e.g. "
                + lane + ":64");
    }

    /** {@code compared} with the full-cache reference put first, as every session wants it. */
    public static List<LaneConfig> withFullReference(List<LaneConfig> compared) {
        List<LaneConfig> all = new ArrayList<>();
        all.add(FULL);
        all.addAll(compared);
        return all;
    }

    /** A new, independent policy instance (one per lane and per rebuild). */
    public KvPolicy newPolicy() {
        String id = factory.descriptor().id();
        return factory.create(budget, new PolicyOptions(id, factory.descriptor().options(), options));
    }

    public String policyId() {
        return factory.descriptor().id();
    }

    public boolean isFull() {
        return policyId().equals("full");
    }

    /** The configuration as a session announces it. */
    public LaneInfo info(int index) {
        KvPolicy p = newPolicy();
        String budgetLabel = isFull() ? Budget.UNLIMITED.label() : budget.label();
        return new LaneInfo(index, policyId(), factory.descriptor().displayName(), budgetLabel, p.options().values(),
                factory.descriptor().simulated());
    }

    @Override
    public String toString() {
        String opts = options.isEmpty() ? "" : ":" + String.join(",", options.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).sorted().toList());
        return policyId() + opts + " @ " + budget.label();
    }
}
