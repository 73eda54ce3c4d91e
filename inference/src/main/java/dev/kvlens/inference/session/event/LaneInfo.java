package dev.kvlens.inference.session.event;

import java.util.Map;

/**
 * One lane's configuration as a session announces it.
 *
 * @param index       lane number (0 is the full-cache reference)
 * @param policy      policy id ("snapkv", "h2o+kivi"...)
 * @param label       display name with "-like" where the method is reconstructed
 * @param budget      the budget label ("64 entries/KV head", "25.0% kept", "unlimited")
 * @param options     option values in force
 * @param simulated   true when the policy only masks (no memory freed)
 */
public record LaneInfo(int index, String policy, String label, String budget, Map<String, String> options,
                       boolean simulated) {

    public LaneInfo {
        options = Map.copyOf(options);
    }
}
