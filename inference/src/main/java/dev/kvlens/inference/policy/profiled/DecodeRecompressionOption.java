package dev.kvlens.inference.policy.profiled;

import dev.kvlens.inference.policy.PolicyOption;
import dev.kvlens.inference.policy.PolicyOptions;
import java.util.List;

/**
 * The {@code decode} and {@code interval} options of the profiled prefill-once policies (BaKlaVa-like,
 * SurfaceLogicKV-like), declared as the SnapKV family declares them: {@code none} by default, as the
 * papers do, or {@code recompress} (kvpress DecodingPress style, see
 * {@link dev.kvlens.inference.policy.DecodeRecompression}).
 */
final class DecodeRecompressionOption {

    private DecodeRecompressionOption() {
    }

    static List<PolicyOption> declared() {
        return List.of(
                PolicyOption.choice("decode", "none", List.of("none", "recompress"),
                        "none (default, the papers: generated tokens are appended uncompressed) or recompress: "
                                + "every interval steps re-score the cache with the last generated queries and evict "
                                + "each head back to its own prefill budget"),
                PolicyOption.number("interval", "512", "steps between decode recompressions (kvpress DecodingPress default)"));
    }

    static boolean recompress(PolicyOptions options) {
        return options.string("decode").equals("recompress");
    }

    /** The interval, refused below one step. */
    static int interval(PolicyOptions options, String id) {
        int interval = options.integer("interval");
        if (interval < 1) {
            throw new IllegalArgumentException("option " + id + ":interval must be at least 1, got " + interval);
        }
        return interval;
    }

    /** Each head's target raised to the window, which recompression always keeps. */
    static int[][] targets(int[][] budgets, int window) {
        int[][] t = new int[budgets.length][];
        for (int l = 0; l < budgets.length; l++) {
            t[l] = budgets[l].clone();
            for (int g = 0; g < t[l].length; g++) {
                t[l][g] = Math.max(t[l][g], window);
            }
        }
        return t;
    }
}
