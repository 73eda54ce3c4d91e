package dev.kvlens.inference.model;

import dev.kvlens.inference.tokenizer.Tokenizer;

/**
 * A model ready to run: weights (mapped from its files, which stay open until {@link #close}),
 * tokenizer and facts.
 */
public record LoadedModel(LlamaModel model, Tokenizer tokenizer, ModelFacts facts, AutoCloseable files)
        implements AutoCloseable {

    public ModelConfig config() {
        return model.config();
    }

    @Override
    public void close() {
        try {
            files.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + facts.source(), e);
        }
    }
}
