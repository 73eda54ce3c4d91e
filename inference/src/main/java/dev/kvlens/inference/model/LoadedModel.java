package dev.kvlens.inference.model;

import dev.kvlens.inference.tokenizer.Tokenizer;
import dev.kvlens.kernels.WeightMatrix;
import dev.kvlens.kernels.backend.Backend;
import dev.kvlens.kernels.backend.BackendChoice;

/**
 * A model ready to run: weights (mapped from its files, which stay open until {@link #close}),
 * tokenizer and facts. Closing it also frees what its backend and kernels prepared.
 */
public record LoadedModel(LlamaModel model, Tokenizer tokenizer, ModelFacts facts, AutoCloseable files)
        implements AutoCloseable {

    public ModelConfig config() {
        return model.config();
    }

    /** The backend the model's products run on. */
    public Backend backend() {
        return model.backend();
    }

    /**
     * Which backend and device run the model, for people: e.g. {@code "Vector API (2 threads)"} or
     * {@code "ND4J 1.0.0-M2.1 (CPU, OpenBLAS, 2 threads)"}.
     */
    public String backendDescription() {
        return model.backend().description();
    }

    /**
     * The same model on {@code choice}'s backend; this one's files pass to the result (close only
     * the result). {@link BackendChoice#CPU} on a model already on the Vector API returns this.
     *
     * @throws dev.kvlens.kernels.backend.BackendUnavailableException when the backend cannot start
     *         here or its copy of the weights does not fit
     */
    public LoadedModel withBackend(BackendChoice choice) {
        if (choice == model.backend().choice()) {
            return this;
        }
        Backend backend = choice.open(model.weights().matrices());
        Backend previous = model.backend();
        AutoCloseable closeBoth = () -> {
            try {
                backend.close();
                previous.close();
            } finally {
                files.close();
            }
        };
        return new LoadedModel(new LlamaModel(model.config(), model.weights(), backend), tokenizer, facts, closeBoth);
    }

    @Override
    public void close() {
        try {
            files.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + facts.source(), e);
        } finally {
            // Copies the kernels made (Q4_0 repacks its blocks) are freed now, not at some later GC.
            model.weights().matrices().forEach(WeightMatrix::release);
            model.weights().tokenEmbedding().release();
        }
    }
}
