package dev.kvlens.inference.policy;

import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.ForwardPass;
import dev.kvlens.inference.model.LlamaModel;
import dev.kvlens.inference.model.ModelConfig;

/**
 * One cache configuration running a model: a forward pass, a {@link PolicyCache} and the policy
 * that shrinks it, called at the right moments. The prompt must start on an empty cache.
 */
public final class PolicyLane {

    private final LlamaModel model;
    private final KvPolicy policy;
    private final PolicyCache cache;
    private final ForwardPass pass;
    private final PolicyContext context;
    private int nextPosition;

    public PolicyLane(LlamaModel model, KvPolicy policy) {
        this.model = model;
        this.policy = policy;
        ModelConfig c = model.config();
        this.cache = new PolicyCache(c.layers(), c.kvHeads(), c.headDim(), policy);
        this.pass = model.newForwardPass();
        this.context = new PolicyContext(model, cache);
    }

    public PolicyCache cache() {
        return cache;
    }

    public KvPolicy policy() {
        return policy;
    }

    public LlamaModel model() {
        return model;
    }

    /** Absolute position of the next token. */
    public int nextPosition() {
        return nextPosition;
    }

    /**
     * Runs the prompt, then lets the policy compress.
     *
     * @param listener  an extra observer of the prompt's attention (null for none)
     * @param allLogits logits after every prompt token instead of only the last
     */
    public float[] prefill(int[] prompt, AttentionListener listener, boolean allLogits) {
        if (nextPosition != 0) {
            throw new IllegalStateException("prefill runs on an empty lane; this one is at position " + nextPosition);
        }
        context.tokens().addAll(prompt);
        AttentionListener observer = policy.beginPrefill(context, prompt.length);
        float[] logits = pass.forward(prompt, 0, cache, AttentionListener.both(observer, listener), allLogits);
        nextPosition = prompt.length;
        cache.step(nextPosition - 1);
        policy.endPrefill(context, cache);
        cache.trimToSize();
        return logits;
    }

    /** Runs one token at the next position, then lets the policy act on the step. */
    public float[] step(int token, AttentionListener listener) {
        int position = nextPosition;
        context.tokens().add(token);
        AttentionListener observer = policy.beginStep(context, position);
        float[] logits = pass.forward(new int[] {token}, position, policy.ropePositionShift(), cache,
                AttentionListener.both(observer, listener), false);
        nextPosition++;
        cache.step(position);
        policy.endStep(context, position, cache);
        return logits;
    }
}
