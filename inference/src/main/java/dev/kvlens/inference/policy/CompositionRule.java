package dev.kvlens.inference.policy;

import java.util.List;

/**
 * A policy that runs only with some others: {@link ComposedPolicy} asks each such part before a
 * composition is made, so an impossible combination is refused with a message instead of failing
 * mid-run.
 */
public interface CompositionRule {

    /**
     * @param parts every part of the composition, in order, this one included
     * @throws IllegalArgumentException saying why this part cannot run with the others
     */
    void checkComposition(List<KvPolicy> parts);

    /**
     * Whether {@code part} is StreamingLLM in one of its in-cache position modes (POLICIES.md 2,
     * modes a and c: option {@code positions} other than {@code original}), which hold keys before
     * RoPE or re-rotate them as entries move.
     */
    static boolean rotatesCachedKeys(KvPolicy part) {
        String positions = part.options().values().get("positions");
        return part.descriptor().id().equals("streamingllm") && positions != null && !positions.equals("original");
    }
}
