package dev.kvlens.inference.generate;

import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.ForwardPass;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.sampling.Sampler;
import dev.kvlens.inference.tokenizer.TokenDecoder;
import dev.kvlens.inference.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Prompt in, tokens out: prefill the prompt as one batch, then sample and decode one token at a
 * time until an end-of-generation token, the token limit or the model's context is reached.
 */
public final class Generator {

    private final LoadedModel loaded;
    private final ForwardPass pass;
    private AttentionListener listener;

    public Generator(LoadedModel loaded) {
        this.loaded = loaded;
        this.pass = loaded.model().newForwardPass();
    }

    /** Attention of every head goes to {@code listener} (null: nobody listens). */
    public Generator listener(AttentionListener listener) {
        this.listener = listener;
        return this;
    }

    /**
     * @param promptIds token ids to start from (not empty)
     * @param maxTokens how many tokens to generate at most
     * @param sampler   how to pick tokens
     * @param cache     the cache to fill (usually {@code model.newFullCache()})
     * @param onText    receives text as soon as it is complete UTF-8 (may be null)
     */
    public GenerationResult generate(int[] promptIds, int maxTokens, Sampler sampler, KvCache cache,
                                     Consumer<String> onText) {
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens (and the model adds no BOS)");
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
        }
        Tokenizer tokenizer = loaded.tokenizer();
        int context = loaded.config().contextLength();
        int limit = Math.min(maxTokens, Math.max(0, context - promptIds.length));
        int[] generated = new int[limit];
        int count = 0;
        String stop = "limit";
        TokenDecoder decoder = tokenizer.streamingDecoder();
        StringBuilder text = new StringBuilder();

        long t0 = System.nanoTime();
        float[] logits = limit > 0 ? pass.forward(promptIds, 0, cache, listener, false) : null;
        long t1 = System.nanoTime();
        int position = promptIds.length;
        while (count < limit) {
            int token = sampler.sample(logits);
            generated[count++] = token;
            if (tokenizer.isEndOfGeneration(token)) {
                stop = "eos";
                break;
            }
            String piece = decoder.accept(token);
            if (!piece.isEmpty()) {
                text.append(piece);
                if (onText != null) {
                    onText.accept(piece);
                }
            }
            if (count == limit) {
                break;
            }
            logits = pass.forward(new int[] {token}, position++, cache, listener, false);
        }
        String rest = decoder.flush();
        if (!rest.isEmpty()) {
            text.append(rest);
            if (onText != null) {
                onText.accept(rest);
            }
        }
        long t2 = System.nanoTime();
        return new GenerationResult(promptIds.clone(), Arrays.copyOf(generated, count), text.toString(), stop,
                t1 - t0, t2 - t1);
    }
}
