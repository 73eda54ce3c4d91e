package dev.kvlens.inference.cli;

import dev.kvlens.inference.ModelFileException;
import dev.kvlens.inference.gguf.GgufFile;
import dev.kvlens.inference.gguf.GgufMetadata;
import dev.kvlens.inference.gguf.GgufValueType;
import dev.kvlens.inference.gguf.GgufWriter;
import dev.kvlens.inference.gguf.LlamaHyperparameters;
import dev.kvlens.inference.tokenizer.Tokenizers;
import dev.kvlens.kernels.GgmlType;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kvlens synth}: a random-weight Llama GGUF of any shape, with a real vocabulary, for
 * benchmarks and tests at sizes no small real model has. Tensor names, shapes and metadata are what
 * llama.cpp's llama loader expects, so llama.cpp can run the same file. The file is written
 * tensor by tensor straight into its mapping: a 4 GB model needs only a few MB of heap.
 */
@Command(name = "synth", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Write a random-weight Llama GGUF of any shape, with a real vocabulary.",
                "Weights ~ N(0, 0.02) from --seed, norms 1, tokenizer.* metadata copied from --vocab-from."})
final class SynthCommand extends Subcommand {

    /** Standard deviation of the random weights: small enough that activations stay finite in deep stacks. */
    static final float SIGMA = 0.02f;

    /** Element formats synth writes, with llama.cpp's {@code general.file_type} for an all-one-type model. */
    private static final Map<String, GgmlType> TYPES = Map.of("f32", GgmlType.F32, "f16", GgmlType.F16,
            "bf16", GgmlType.BF16, "q8_0", GgmlType.Q8_0, "q4_0", GgmlType.Q4_0, "q4_k", GgmlType.Q4_K,
            "q5_k", GgmlType.Q5_K, "q6_k", GgmlType.Q6_K);

    @Option(names = "--like", paramLabel = "ARCH", defaultValue = "llama",
            description = "Architecture to imitate; only llama for now (default: ${DEFAULT-VALUE}).")
    String like;

    @Option(names = "--layers", required = true, paramLabel = "L", description = "Transformer blocks.")
    int layers;

    @Option(names = "--dim", required = true, paramLabel = "D", description = "Embedding width.")
    int dim;

    @Option(names = "--heads", required = true, paramLabel = "H", description = "Query heads (must divide --dim).")
    int heads;

    @Option(names = "--kv-heads", paramLabel = "K", description = "Key/value heads (must divide --heads; default: --heads).")
    Integer kvHeads;

    @Option(names = "--ffn", required = true, paramLabel = "F", description = "Feed-forward hidden width.")
    int ffn;

    @Option(names = "--vocab-from", required = true, paramLabel = "PATH",
            description = "A GGUF whose tokenizer.* metadata is copied (a model or a vocabulary-only file).")
    Path vocabFrom;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "f32",
            description = "Format of the 2-D weights: f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k"
                    + " (norms stay f32; default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "PATH", description = "The GGUF file to write.")
    Path out;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the weights; the same seed and shape give the same file (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--context", paramLabel = "N", defaultValue = "2048",
            description = "llama.context_length to record (default: ${DEFAULT-VALUE}).")
    int context;

    @Mixin
    ThreadsOption threads;

    @Override
    int run() {
        if (!like.equals("llama")) {
            throw new BadArgumentException("--like " + like + " is not supported; only llama");
        }
        GgmlType weightType = TYPES.get(type.toLowerCase(Locale.ROOT));
        if (weightType == null) {
            throw new BadArgumentException("--type " + type + " is not one of f32, f16, bf16, q8_0, q4_0, q4_k,"
                    + " q5_k, q6_k");
        }
        int kv = kvHeads == null ? heads : kvHeads;
        checkSize("--layers", layers);
        checkSize("--dim", dim);
        checkSize("--heads", heads);
        checkSize("--kv-heads", kv);
        checkSize("--ffn", ffn);
        checkSize("--context", context);
        if (dim % heads != 0 || (dim / heads) % 2 != 0) {
            throw new BadArgumentException("--dim " + dim + " must be --heads " + heads + " times an even head size");
        }
        if (heads % kv != 0) {
            throw new BadArgumentException("--kv-heads " + kv + " must divide --heads " + heads);
        }
        int block = weightType.blockSize();
        if (dim % block != 0 || ffn % block != 0) {
            throw new BadArgumentException("--type " + type + " stores rows in blocks of " + block
                    + " values: --dim " + dim + " and --ffn " + ffn + " must be multiples of " + block);
        }
        threads.apply();

        long started = System.nanoTime();
        GgufWriter writer = new GgufWriter();
        SynthShape shape;
        try (GgufFile vocabulary = GgufFile.open(vocabFrom)) {
            GgufMetadata md = vocabulary.metadata();
            // Building the tokenizer checks the vocabulary now rather than when the model is first loaded.
            Tokenizers.fromGguf(md, vocabFrom);
            if (!md.has("tokenizer.ggml.tokens") || md.type("tokenizer.ggml.tokens") != GgufValueType.ARRAY) {
                throw new ModelFileException(vocabFrom, "has no tokenizer.ggml.tokens array to copy");
            }
            int vocab = md.getArray("tokenizer.ggml.tokens").length();
            shape = new SynthShape(layers, dim, heads, kv, ffn, vocab, context);
            header(writer, shape, weightType);
            for (String key : md.keys()) {
                if (key.startsWith("tokenizer.")) {
                    writer.put(key, md.type(key), md.get(key));
                }
            }
        }
        tensors(writer, shape, weightType);
        long bytes = writer.write(out);
        double seconds = (System.nanoTime() - started) / 1e9;
        out().printf(Locale.ROOT, "wrote %s: llama, %d layers, dim %d, %d heads / %d KV, FFN %d, vocabulary %d,"
                        + " %s weights, %,d parameters, %s in %.1f s%n", out, layers, dim, heads, kv, ffn, shape.vocab(),
                weightType, shape.parameters(), Units.bytes(bytes), seconds);
        out().flush();
        return 0;
    }

    private static void checkSize(String option, int value) {
        // 2^20 keeps every product of two sizes inside a long and far above any real model's width.
        if (value < 1 || value > (1 << 20)) {
            throw new BadArgumentException(option + " must be between 1 and 1048576, got " + value);
        }
    }

    private void header(GgufWriter w, SynthShape s, GgmlType weightType) {
        new LlamaHyperparameters(s.vocab(), s.context(), s.dim(), s.layers(), s.ffn(), s.heads(), s.kvHeads(),
                s.headDim(), 1e-5f, 10000f).writeTo(w);
        w.putString("general.name", String.format(Locale.ROOT, "kvlens-synth-%dL-%dd-%s-seed%d", s.layers(), s.dim(),
                weightType.name().toLowerCase(Locale.ROOT), seed));
        w.putUint32("general.file_type", fileType(weightType));
        if (weightType != GgmlType.F32 && weightType != GgmlType.F16 && weightType != GgmlType.BF16) {
            w.putUint32("general.quantization_version", 2);
        }
    }

    /** llama.cpp's {@code enum llama_ftype} for a model whose 2-D weights are all {@code type}. */
    static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case Q4_K -> 14;     // LLAMA_FTYPE_MOSTLY_Q4_K_S
            case Q5_K -> 16;     // LLAMA_FTYPE_MOSTLY_Q5_K_S
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("no llama file type for " + type);
        };
    }

    /** In llama.cpp's order; shapes are ggml's [row length, rows]. */
    private void tensors(GgufWriter w, SynthShape s, GgmlType t) {
        int[] index = {0};
        matrix(w, "token_embd.weight", t, s.vocab(), s.dim(), index);
        for (int l = 0; l < s.layers(); l++) {
            String b = "blk." + l + ".";
            ones(w, b + "attn_norm.weight", s.dim());
            matrix(w, b + "attn_q.weight", t, s.dim(), s.dim(), index);
            matrix(w, b + "attn_k.weight", t, s.kvDim(), s.dim(), index);
            matrix(w, b + "attn_v.weight", t, s.kvDim(), s.dim(), index);
            matrix(w, b + "attn_output.weight", t, s.dim(), s.dim(), index);
            ones(w, b + "ffn_norm.weight", s.dim());
            matrix(w, b + "ffn_gate.weight", t, s.ffn(), s.dim(), index);
            matrix(w, b + "ffn_down.weight", t, s.dim(), s.ffn(), index);
            matrix(w, b + "ffn_up.weight", t, s.ffn(), s.dim(), index);
        }
        ones(w, "output_norm.weight", s.dim());
        matrix(w, "output.weight", t, s.vocab(), s.dim(), index);
    }

    private void matrix(GgufWriter w, String name, GgmlType type, int rows, int cols, int[] index) {
        w.addTensor(name, type, new long[] {cols, rows}, new RandomRowsFiller(type, rows, cols, SIGMA, seed, index[0]++));
    }

    private static void ones(GgufWriter w, String name, int length) {
        w.addTensor(name, GgmlType.F32, new long[] {length}, RandomRowsFiller.ones());
    }
}
