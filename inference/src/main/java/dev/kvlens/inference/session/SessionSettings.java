package dev.kvlens.inference.session;

import dev.kvlens.inference.sampling.SamplingSettings;

/**
 * What a session runs.
 *
 * @param mode             teacher-forced or free-running
 * @param prompt           prompt token ids (not empty); every lane prefills them
 * @param continuation     teacher-forced only: the tokens fed after the prompt instead of lane 0's
 *                         generation, or null to generate
 * @param maxNewTokens     tokens fed after the prompt at most
 * @param sampling         how tokens are chosen (greedy or seeded); the sampler is re-seeded from
 *                         {@code seed} and the position at every step, so stepping back and running
 *                         again gives the same tokens
 * @param topTokens        next-token candidates reported per {@code TokenStep}
 * @param bins             position bins of a binned attention frame
 * @param measureAttention teacher-forced only: capture every head's attention to measure attention
 *                         mass kept and attention-output error (costs a copy of every head's weights)
 */
public record SessionSettings(SessionMode mode, int[] prompt, int[] continuation, int maxNewTokens,
                              SamplingSettings sampling, int topTokens, int bins, boolean measureAttention) {

    public static final int DEFAULT_BINS = 64;
    public static final int DEFAULT_TOP_TOKENS = 10;

    public SessionSettings {
        if (prompt == null || prompt.length == 0) {
            throw new IllegalArgumentException("a session needs at least one prompt token");
        }
        if (continuation != null && mode != SessionMode.TEACHER_FORCED) {
            throw new IllegalArgumentException("a given continuation needs teacher-forced mode");
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        if (topTokens < 1 || bins < 1) {
            throw new IllegalArgumentException("top tokens and bins must be >= 1");
        }
        prompt = prompt.clone();
        continuation = continuation == null ? null : continuation.clone();
    }

    /** Teacher-forced on lane 0's greedy generation, 64 bins, attention measured. */
    public static SessionSettings generate(int[] prompt, int maxNewTokens) {
        return new SessionSettings(SessionMode.TEACHER_FORCED, prompt, null, maxNewTokens, SamplingSettings.GREEDY,
                DEFAULT_TOP_TOKENS, DEFAULT_BINS, true);
    }

    /** Teacher-forced on a given text: {@code prompt} then every token of {@code continuation}. */
    public static SessionSettings teacherForced(int[] prompt, int[] continuation) {
        return new SessionSettings(SessionMode.TEACHER_FORCED, prompt, continuation, continuation.length,
                SamplingSettings.GREEDY, DEFAULT_TOP_TOKENS, DEFAULT_BINS, true);
    }

    /** Each lane samples its own continuation. */
    public static SessionSettings freeRunning(int[] prompt, int maxNewTokens, SamplingSettings sampling) {
        return new SessionSettings(SessionMode.FREE_RUNNING, prompt, null, maxNewTokens, sampling, DEFAULT_TOP_TOKENS,
                DEFAULT_BINS, false);
    }

    public SessionSettings withSampling(SamplingSettings s) {
        return new SessionSettings(mode, prompt, continuation, maxNewTokens, s, topTokens, bins, measureAttention);
    }

    public SessionSettings withBins(int b) {
        return new SessionSettings(mode, prompt, continuation, maxNewTokens, sampling, topTokens, b, measureAttention);
    }

    public SessionSettings withMeasureAttention(boolean m) {
        return new SessionSettings(mode, prompt, continuation, maxNewTokens, sampling, topTokens, bins, m);
    }
}
