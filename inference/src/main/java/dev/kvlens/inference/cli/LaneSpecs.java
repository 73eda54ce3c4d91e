package dev.kvlens.inference.cli;

import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.PolicyRegistry;
import dev.kvlens.inference.session.LaneConfig;
import dev.kvlens.inference.session.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The lane list of {@code kvlens compare --lanes}. Grammar (whitespace around parts is ignored):
 * <pre>
 * lanes  := lane (';' lane)*                      -- always accepted
 *         | short (',' short)*                    -- only when the text has no ';', '@' or '='
 * lane   := policy [':' option (',' option)*] '@' budget
 *         | policy ':' budget                     -- a lane without options
 * short  := policy ':' budget                     -- the issue's "snapkv:64,h2o:64,streamingllm:64"
 * option := name '=' value
 * budget := entries per KV head ("64") | fraction kept ("0.25" or "25%")
 * </pre>
 * Options use ',' and ':' themselves, so lanes with options are separated by ';' and take their budget
 * after '@': {@code "snapkv:window=16,pooling=avg@64;h2o@0.25"}. Lane 0 (the full cache) is not
 * written; the session adds it.
 */
final class LaneSpecs {

    static final String GRAMMAR = "lanes are 'policy[:option=value,...]@budget' separated by ';' "
            + "(e.g. \"snapkv:window=16@64;h2o@25%\"), or 'policy:budget' pairs separated by ',' "
            + "(e.g. \"snapkv:64,h2o:64\"); a budget is entries per KV head (64) or a fraction kept (0.25 or 25%)";

    /** Compared lanes at most: the session runs the full-cache lane besides them. */
    static final int MAX_COMPARED = Session.MAX_LANES - 1;

    private LaneSpecs() {
    }

    /**
     * Parses the compared lanes (without the full-cache lane 0).
     *
     * @throws BadArgumentException naming the lane, and the valid policies, options or budget forms
     */
    static List<LaneConfig> parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) {
            throw new BadArgumentException("--lanes is empty; " + GRAMMAR);
        }
        boolean longForm = t.contains(";") || t.contains("@") || t.contains("=");
        List<String> parts = List.of(t.split(longForm ? ";" : ",", -1));
        List<LaneConfig> lanes = new ArrayList<>();
        for (String part : parts) {
            String lane = part.strip();
            if (lane.isEmpty()) {
                throw new BadArgumentException("--lanes '" + text + "' has an empty lane; " + GRAMMAR);
            }
            lanes.add(lane(lane));
        }
        if (lanes.size() > MAX_COMPARED) {
            throw new BadArgumentException("--lanes gives " + lanes.size() + " lanes; a session compares at most "
                    + MAX_COMPARED + " besides the full cache");
        }
        return lanes;
    }

    /** One lane in the long form (or a short 'policy:budget'). */
    static LaneConfig lane(String lane) {
        String policy;
        String budget;
        int at = lane.indexOf('@');
        if (at >= 0) {
            if (lane.indexOf('@', at + 1) >= 0) {
                throw new BadArgumentException("lane '" + lane + "' has two budgets; lanes with options are"
                        + " separated by ';': " + GRAMMAR);
            }
            policy = lane.substring(0, at).strip();
            budget = lane.substring(at + 1).strip();
        } else {
            int colon = lane.lastIndexOf(':');
            if (lane.contains("=") || colon < 0) {
                throw new BadArgumentException("lane '" + lane + "' has no budget; " + GRAMMAR);
            }
            policy = lane.substring(0, colon).strip();
            budget = lane.substring(colon + 1).strip();
            if (policy.contains(":")) {
                throw new BadArgumentException("lane '" + lane + "' is not policy:budget; " + GRAMMAR);
            }
        }
        if (policy.isEmpty()) {
            throw new BadArgumentException("lane '" + lane + "' names no policy; valid policies: " + policyIds());
        }
        if (policy.contains("+")) {
            // LaneConfig holds one policy factory; composed specs run in 'kvlens run' only.
            throw new BadArgumentException("lane '" + lane + "': composed policies (a+b) cannot be a compare lane yet");
        }
        budget(budget, "lane '" + lane + "'"); // refused here with the accepted forms named
        try {
            return LaneConfig.parse(policy, budget);
        } catch (IllegalArgumentException e) {
            throw new BadArgumentException("lane '" + lane + "': " + e.getMessage());
        }
    }

    /**
     * Parses a budget, naming where it came from when it is not one.
     *
     * @throws BadArgumentException listing the accepted forms
     */
    static Budget budget(String text, String where) {
        try {
            return Budget.parse(text);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            if (!message.contains("e.g.")) {
                message += "; a budget is entries per KV head (e.g. 64) or a fraction kept (e.g. 0.25 or 25%)";
            }
            throw new BadArgumentException(where + ": " + message);
        }
    }

    /** Every registered policy id, comma separated, for messages. */
    static String policyIds() {
        return String.join(", ", PolicyRegistry.descriptors().stream().map(d -> d.id().toLowerCase(Locale.ROOT))
                .toList());
    }
}
