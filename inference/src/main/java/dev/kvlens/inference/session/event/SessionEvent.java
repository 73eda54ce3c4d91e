package dev.kvlens.inference.session.event;

/**
 * Everything a session tells its subscribers (views, recorder, command-line writers). The records
 * are also the content of a recording, so their shape is versioned by {@link #FORMAT_VERSION}.
 */
public sealed interface SessionEvent
        permits SessionStarted, TokenStep, AttentionFrame, CacheDecision, BudgetPlan, MemorySample, QualitySample,
        LaneRebuilt, SessionRewound, SessionEnded {

    /** Bumped whenever a record's fields change. 2: LaneRebuilt and SessionRewound added. */
    int FORMAT_VERSION = 2;

    /** The lane the event belongs to, or -1 for session-wide events. */
    int lane();
}
