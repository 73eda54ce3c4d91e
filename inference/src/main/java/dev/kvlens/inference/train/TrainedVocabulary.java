package dev.kvlens.inference.train;

import dev.kvlens.inference.gguf.GgufArray;
import dev.kvlens.inference.gguf.GgufFile;
import dev.kvlens.inference.gguf.GgufValueType;
import dev.kvlens.inference.gguf.GgufWriter;
import dev.kvlens.inference.tokenizer.Tokenizer;
import dev.kvlens.inference.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A trained byte-level BPE vocabulary as GGUF stores it ({@code tokenizer.ggml.model = gpt2}): ids
 * 0-255 are the bytes, then one token per new merge text, then BOS and EOS (control tokens).
 * {@link #tokenizer()} is the engine's own tokenizer loaded from exactly the metadata {@link #writeTo}
 * writes, so what a model trains on is what the engine and llama.cpp will feed it.
 */
public final class TrainedVocabulary {

    /** GGUF {@code tokenizer.ggml.token_type} codes (llama.cpp's LLAMA_TOKEN_TYPE_*). */
    static final int TYPE_NORMAL = 1;
    static final int TYPE_CONTROL = 3;

    private static final String P = "tokenizer.ggml.";

    private final String[] tokens;
    private final int[] types;
    private final String[] merges;
    private final int bos;
    private final int eos;
    private final String pre;
    private volatile Tokenizer tokenizer;

    TrainedVocabulary(String[] tokens, int[] types, String[] merges, int bos, int eos, String pre) {
        this.tokens = tokens;
        this.types = types;
        this.merges = merges;
        this.bos = bos;
        this.eos = eos;
        this.pre = pre;
    }

    /** Number of token ids. */
    public int size() {
        return tokens.length;
    }

    public int bos() {
        return bos;
    }

    public int eos() {
        return eos;
    }

    /** The {@code tokenizer.ggml.pre} name the merges were learned under. */
    public String pre() {
        return pre;
    }

    /** Token texts by id, in GPT-2's byte-mapped form. */
    public List<String> tokens() {
        return List.of(tokens);
    }

    /** The merges in rank order, each {@code "left right"}. */
    public List<String> merges() {
        return List.of(merges);
    }

    /** Writes every {@code tokenizer.ggml.*} key llama.cpp and the engine read for this vocabulary. */
    public void writeTo(GgufWriter writer) {
        writer.putString(P + "model", "gpt2");
        writer.putString(P + "pre", pre);
        writer.putArray(P + "tokens", new GgufArray(GgufValueType.STRING, tokens.clone()));
        writer.putArray(P + "token_type", new GgufArray(GgufValueType.INT32, types.clone()));
        writer.putArray(P + "merges", new GgufArray(GgufValueType.STRING, merges.clone()));
        writer.putUint32(P + "bos_token_id", bos);
        writer.putUint32(P + "eos_token_id", eos);
        writer.putBool(P + "add_bos_token", true);
        writer.putBool(P + "add_eos_token", false);
    }

    /**
     * The engine's tokenizer for this vocabulary, built the way a model file's is: the metadata is
     * written to a vocabulary-only GGUF, read back and handed to {@link Tokenizers#fromGguf}.
     */
    public Tokenizer tokenizer() {
        Tokenizer t = tokenizer;
        if (t == null) {
            synchronized (this) {
                t = tokenizer;
                if (t == null) {
                    tokenizer = t = loadThroughGguf();
                }
            }
        }
        return t;
    }

    private Tokenizer loadThroughGguf() {
        Path file = null;
        try {
            file = Files.createTempFile("kvlens-vocab-", ".gguf");
            GgufWriter writer = new GgufWriter();
            writeTo(writer);
            writer.write(file);
            try (GgufFile gguf = GgufFile.open(file)) {
                return Tokenizers.fromGguf(gguf.metadata(), file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a temporary vocabulary file: " + e.getMessage(), e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless
                }
            }
        }
    }

    @Override
    public String toString() {
        return "byte-level BPE, " + tokens.length + " tokens, " + merges.length + " merges, pre " + pre;
    }
}
