package dev.kvlens.app;

import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.PolicyRegistry;
import dev.kvlens.inference.session.LaneConfig;
import java.util.Map;

/**
 * One compared lane of a scenario.
 *
 * @param policy  policy id ("snapkv")
 * @param budget  "64", "0.25" or "25%"
 * @param options option values; the rest take their defaults
 */
public record ScenarioLane(String policy, String budget, Map<String, String> options) {

    public ScenarioLane {
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    /** The lane's configuration; throws IllegalArgumentException with the registry's message. */
    public LaneConfig config() {
        return new LaneConfig(PolicyRegistry.factory(policy), options, Budget.parse(budget));
    }
}
