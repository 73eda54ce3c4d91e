package dev.kvlens.inference.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The Llama-family variants the forward pass runs. They differ only in a few switches. */
public enum Architecture {
    /** Llama 2/3.x, Mistral, SmolLM, TinyLlama. */
    LLAMA("llama", false, false),
    /** Qwen 2 / 2.5: biases on the Q, K and V projections. */
    QWEN2("qwen2", true, false),
    /** Qwen 3: RMS norms on each head's query and key before RoPE. */
    QWEN3("qwen3", false, true);

    private final String ggufName;
    private final boolean qkvBias;
    private final boolean qkNorm;

    Architecture(String ggufName, boolean qkvBias, boolean qkNorm) {
        this.ggufName = ggufName;
        this.qkvBias = qkvBias;
        this.qkNorm = qkNorm;
    }

    /** The value of {@code general.architecture} in GGUF files. */
    public String ggufName() {
        return ggufName;
    }

    public boolean qkvBias() {
        return qkvBias;
    }

    public boolean qkNorm() {
        return qkNorm;
    }

    /** The architecture named {@code name} in a GGUF file, or null. */
    public static Architecture fromGguf(String name) {
        for (Architecture a : values()) {
            if (a.ggufName.equals(name)) {
                return a;
            }
        }
        return null;
    }

    /** "llama, qwen2, qwen3", for messages. */
    public static String supportedNames() {
        return Arrays.stream(values()).map(Architecture::ggufName).collect(Collectors.joining(", "));
    }
}
