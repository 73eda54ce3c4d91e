package dev.kvlens.inference.train;

/**
 * One trainable tensor, named as the GGUF llama layout names it. {@code rows x cols} is the
 * engine's view (a weight matrix maps {@code cols} inputs to {@code rows} outputs, row-major, ggml
 * dims {@code [cols, rows]}); the trainer holds matrices transposed ({@code [cols, rows]}, so that
 * activations multiply them from the left) and the embedding as it is ({@code [vocab, dim]}).
 */
public record LlamaParameter(String name, Kind kind, int rows, int cols) {

    /** How the trainer holds the tensor and how the engine reads it. */
    public enum Kind {
        /** {@code token_embd.weight}: one row per token, held as {@code [vocab, dim]}. */
        EMBEDDING,
        /** An RMSNorm weight vector, held as {@code [1, dim]}, initialised to ones. */
        NORM,
        /** A projection, held as {@code [cols, rows]} (input x output). */
        MATRIX
    }

    /** The trainer's array shape. */
    public long[] trainerShape() {
        return switch (kind) {
            case EMBEDDING -> new long[] {rows, cols};
            case NORM -> new long[] {1, cols};
            case MATRIX -> new long[] {cols, rows};
        };
    }

    /** SameDiff variable names may not contain the dots of GGUF names. */
    public String variableName() {
        return name.replace('.', '_');
    }

    public long elements() {
        return (long) rows * cols;
    }
}
