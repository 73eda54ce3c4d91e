package dev.kvlens.inference.model;

import dev.kvlens.inference.ModelFileException;
import dev.kvlens.inference.gguf.GgufFile;
import dev.kvlens.inference.gguf.GgufMetadata;
import dev.kvlens.inference.gguf.GgufTensorInfo;
import dev.kvlens.inference.gguf.GgufValueType;
import dev.kvlens.inference.tokenizer.Tokenizer;
import dev.kvlens.inference.tokenizer.Tokenizers;
import dev.kvlens.kernels.GgmlType;
import dev.kvlens.kernels.WeightMatrix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds a {@link LoadedModel} from a GGUF file of a llama, qwen2 or qwen3 model. */
public final class GgufModelLoader {

    private GgufModelLoader() {
    }

    public static LoadedModel load(Path path) {
        GgufFile file = GgufFile.open(path);
        try {
            ModelConfig config = config(file);
            ModelWeights weights = weights(file, config);
            Tokenizer tokenizer = Tokenizers.fromGguf(file.metadata(), path);
            Map<String, Integer> types = new TreeMap<>();
            long parameters = 0;
            for (GgufTensorInfo t : file.tensors()) {
                types.merge(t.type() == null ? "type " + t.typeId() : t.type().name(), 1, Integer::sum);
                parameters += t.elements();
            }
            ModelFacts facts = new ModelFacts(path, "GGUF v" + file.version(), file.fileSize(), types, parameters,
                    tokenizer.kind());
            return new LoadedModel(new LlamaModel(config, weights), tokenizer, facts, file);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    static ModelConfig config(GgufFile file) {
        GgufMetadata md = file.metadata();
        Path path = file.path();
        String archName = md.getString("general.architecture");
        Architecture arch = Architecture.fromGguf(archName);
        if (arch == null) {
            throw new ModelFileException(path, "unsupported architecture '" + archName + "' (KV Lens runs "
                    + Architecture.supportedNames() + ")");
        }
        String p = archName + ".";
        int dim = positive(path, md, p + "embedding_length");
        int layers = positive(path, md, p + "block_count");
        int ffn = positive(path, md, p + "feed_forward_length");
        int heads = positive(path, md, p + "attention.head_count");
        if (md.type(p + "attention.head_count_kv") == GgufValueType.ARRAY) {
            throw new ModelFileException(path, p + "attention.head_count_kv varies per layer; KV Lens needs one KV head count");
        }
        int kvHeads = md.has(p + "attention.head_count_kv") ? positive(path, md, p + "attention.head_count_kv") : heads;
        if (heads % kvHeads != 0) {
            throw new ModelFileException(path, "head_count " + heads + " is not a multiple of head_count_kv " + kvHeads);
        }
        int headDim = md.has(p + "attention.key_length") ? positive(path, md, p + "attention.key_length") : dim / heads;
        if (!md.has(p + "attention.key_length") && dim % heads != 0) {
            throw new ModelFileException(path, "embedding_length " + dim + " is not a multiple of head_count " + heads);
        }
        if (md.has(p + "attention.value_length") && md.getInt(p + "attention.value_length") != headDim) {
            throw new ModelFileException(path, "attention.value_length differs from key_length; not supported");
        }
        int ropeDim = md.has(p + "rope.dimension_count") ? positive(path, md, p + "rope.dimension_count") : headDim;
        if (ropeDim > headDim || ropeDim % 2 != 0) {
            throw new ModelFileException(path, p + "rope.dimension_count " + ropeDim + " does not fit head size " + headDim);
        }
        int context = md.getInt(p + "context_length", 2048);
        float eps = md.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f);
        float theta = md.getFloat(p + "rope.freq_base", 10000f);
        RopeScaling scaling = ropeScaling(path, md, p, context);

        GgufTensorInfo embedding = require(file, "token_embd.weight");
        long vocab = embedding.rank() == 2 ? embedding.dim(1) : -1;
        if (vocab <= 0 || vocab > Integer.MAX_VALUE) {
            throw new ModelFileException(path, "token_embd.weight has shape " + java.util.Arrays.toString(embedding.dims())
                    + ", expected [" + dim + ", vocabulary]");
        }
        float[] freqFactors = null;
        GgufTensorInfo ropeFreqs = file.tensor("rope_freqs.weight");
        if (ropeFreqs != null) {
            freqFactors = vector(file, ropeFreqs, ropeDim / 2);
        }
        RopeStyle style = arch == Architecture.LLAMA ? RopeStyle.ADJACENT_PAIRS : RopeStyle.HALVES;
        String name = md.getString("general.name", archName);
        return new ModelConfig(arch, name, dim, layers, heads, kvHeads, headDim, ffn, (int) vocab, context, eps,
                theta, ropeDim, style, scaling, freqFactors);
    }

    private static RopeScaling ropeScaling(Path path, GgufMetadata md, String p, int context) {
        String type = md.getString(p + "rope.scaling.type", "none");
        float factor = md.getFloat(p + "rope.scaling.factor", 1f);
        return switch (type) {
            case "none" -> RopeScaling.NONE;
            case "linear" -> {
                if (!(factor > 0)) {
                    throw new ModelFileException(path, p + "rope.scaling.factor must be > 0 for linear scaling, got " + factor);
                }
                yield RopeScaling.linear(factor);
            }
            case "llama3" -> RopeScaling.llama3(md.getFloat(p + "rope.scaling.factor", 8f),
                    md.getFloat(p + "rope.scaling.low_freq_factor", 1f),
                    md.getFloat(p + "rope.scaling.high_freq_factor", 4f),
                    md.getInt(p + "rope.scaling.original_context_length", 8192));
            default -> throw new ModelFileException(path, "unsupported RoPE scaling '" + type
                    + "' (supported: none, linear, llama3)");
        };
    }

    private static int positive(Path path, GgufMetadata md, String key) {
        if (!md.has(key)) {
            throw new ModelFileException(path, "missing metadata key '" + key + "'");
        }
        long value = md.getLong(key);
        // 2^24 is far above any real width, depth or head count, and keeps products in range.
        if (value <= 0 || value > (1 << 24)) {
            throw new ModelFileException(path, "metadata '" + key + "' = " + value + " is not a plausible size");
        }
        return (int) value;
    }

    static ModelWeights weights(GgufFile file, ModelConfig c) {
        List<LayerWeights> layers = new ArrayList<>(c.layers());
        boolean bias = c.architecture().qkvBias();
        boolean qkNorm = c.architecture().qkNorm();
        for (int l = 0; l < c.layers(); l++) {
            String b = "blk." + l + ".";
            layers.add(new LayerWeights(
                    vector(file, require(file, b + "attn_norm.weight"), c.dim()),
                    matrix(file, b + "attn_q.weight", c.queryDim(), c.dim()),
                    matrix(file, b + "attn_k.weight", c.kvDim(), c.dim()),
                    matrix(file, b + "attn_v.weight", c.kvDim(), c.dim()),
                    matrix(file, b + "attn_output.weight", c.dim(), c.queryDim()),
                    bias ? vector(file, require(file, b + "attn_q.bias"), c.queryDim()) : null,
                    bias ? vector(file, require(file, b + "attn_k.bias"), c.kvDim()) : null,
                    bias ? vector(file, require(file, b + "attn_v.bias"), c.kvDim()) : null,
                    qkNorm ? vector(file, require(file, b + "attn_q_norm.weight"), c.headDim()) : null,
                    qkNorm ? vector(file, require(file, b + "attn_k_norm.weight"), c.headDim()) : null,
                    vector(file, require(file, b + "ffn_norm.weight"), c.dim()),
                    matrix(file, b + "ffn_gate.weight", c.ffnDim(), c.dim()),
                    matrix(file, b + "ffn_up.weight", c.ffnDim(), c.dim()),
                    matrix(file, b + "ffn_down.weight", c.dim(), c.ffnDim())));
        }
        WeightMatrix embedding = matrix(file, "token_embd.weight", c.vocabularySize(), c.dim());
        WeightMatrix output = file.tensor("output.weight") != null
                ? matrix(file, "output.weight", c.vocabularySize(), c.dim())
                : embedding;
        float[] outputNorm = vector(file, require(file, "output_norm.weight"), c.dim());
        return new ModelWeights(embedding, List.copyOf(layers), outputNorm, output);
    }

    private static GgufTensorInfo require(GgufFile file, String name) {
        GgufTensorInfo t = file.tensor(name);
        if (t == null) {
            throw new ModelFileException(file.path(), "missing tensor '" + name + "'");
        }
        return t;
    }

    private static WeightMatrix matrix(GgufFile file, String name, int rows, int cols) {
        GgufTensorInfo t = require(file, name);
        if (t.rank() != 2 || t.dim(0) != cols || t.dim(1) != rows) {
            throw new ModelFileException(file.path(), "tensor '" + name + "' has shape "
                    + java.util.Arrays.toString(t.dims()) + ", expected [" + cols + ", " + rows + "]");
        }
        return WeightMatrix.of(supportedType(file, t), file.tensorData(t), rows, cols);
    }

    private static float[] vector(GgufFile file, GgufTensorInfo t, int length) {
        if (t.elements() != length || (t.rank() != 1 && !(t.rank() == 2 && t.dim(1) == 1))) {
            throw new ModelFileException(file.path(), "tensor '" + t.name() + "' has shape "
                    + java.util.Arrays.toString(t.dims()) + ", expected [" + length + "]");
        }
        float[] out = new float[length];
        WeightMatrix.of(supportedType(file, t), file.tensorData(t), 1, length).dequantizeRow(0, out, 0);
        return out;
    }

    private static GgmlType supportedType(GgufFile file, GgufTensorInfo t) {
        if (t.type() == null || !t.type().supported()) {
            String type = t.type() == null ? "unknown type id " + t.typeId() : t.type().name();
            throw new ModelFileException(file.path(), "tensor '" + t.name() + "' uses " + type
                    + "; KV Lens computes with F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K");
        }
        return t.type();
    }
}
