package dev.kvlens.inference.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvlens.inference.ModelFileException;
import dev.kvlens.inference.safetensors.SafetensorsFile;
import dev.kvlens.inference.safetensors.SafetensorsModel;
import dev.kvlens.inference.safetensors.SafetensorsTensor;
import dev.kvlens.inference.tokenizer.Tokenizer;
import dev.kvlens.inference.tokenizer.Tokenizers;
import dev.kvlens.kernels.GgmlType;
import dev.kvlens.kernels.WeightMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a {@link LoadedModel} from a Hugging Face folder: {@code config.json}, {@code model.safetensors}
 * (or a sharded index) and {@code tokenizer.json}. Hugging Face keeps Q/K in their original order,
 * so RoPE pairs halves.
 */
public final class HuggingFaceModelLoader {

    private HuggingFaceModelLoader() {
    }

    public static LoadedModel load(Path dir) {
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new ModelFileException(dir, "not a Hugging Face model folder: config.json is missing");
        }
        ModelConfig config = config(configFile);
        SafetensorsModel tensors = SafetensorsModel.open(dir);
        try {
            ModelWeights weights = weights(tensors, config, configFile);
            Tokenizer tokenizer = Tokenizers.fromHuggingFace(dir);
            Map<String, Integer> types = new TreeMap<>();
            long parameters = 0;
            for (String name : tensors.names()) {
                SafetensorsTensor t = tensors.tensor(name);
                types.merge(t.dtype().name(), 1, Integer::sum);
                parameters += t.elements();
            }
            long bytes = tensors.files().stream().mapToLong(SafetensorsFile::fileSize).sum();
            ModelFacts facts = new ModelFacts(dir, "safetensors (Hugging Face)", bytes, types,
                    parameters, tokenizer.kind());
            return new LoadedModel(new LlamaModel(config, weights), tokenizer, facts, tensors);
        } catch (RuntimeException e) {
            tensors.close();
            throw e;
        }
    }

    static ModelConfig config(Path file) {
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelFileException(file, "malformed JSON: " + e.getMessage(), e);
        }
        if (json == null || !json.isObject()) {
            throw new ModelFileException(file, "expected a JSON object");
        }
        String archName = json.path("architectures").path(0).asText(json.path("model_type").asText(""));
        Architecture arch = switch (archName) {
            case "LlamaForCausalLM", "MistralForCausalLM", "llama", "mistral" -> Architecture.LLAMA;
            case "Qwen2ForCausalLM", "qwen2" -> Architecture.QWEN2;
            case "Qwen3ForCausalLM", "qwen3" -> Architecture.QWEN3;
            default -> throw new ModelFileException(file, "unsupported architecture '" + archName
                    + "' (KV Lens runs LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM)");
        };
        if (arch == Architecture.LLAMA && json.path("attention_bias").asBoolean(false)) {
            throw new ModelFileException(file, "attention_bias = true is not supported for Llama models");
        }
        int dim = size(file, json, "hidden_size", -1);
        int heads = size(file, json, "num_attention_heads", -1);
        int kvHeads = size(file, json, "num_key_value_heads", heads);
        if (heads % kvHeads != 0) {
            throw new ModelFileException(file, "num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        int headDim = json.hasNonNull("head_dim") ? size(file, json, "head_dim", -1) : dim / heads;
        int layers = size(file, json, "num_hidden_layers", -1);
        int ffn = size(file, json, "intermediate_size", -1);
        int vocab = size(file, json, "vocab_size", -1);
        int context = size(file, json, "max_position_embeddings", 2048);
        float eps = (float) json.path("rms_norm_eps").asDouble(1e-6);
        float theta = (float) json.path("rope_theta").asDouble(10000);
        RopeScaling scaling = RopeScaling.NONE;
        JsonNode rs = json.path("rope_scaling");
        if (rs.isObject()) {
            String type = rs.path("rope_type").asText(rs.path("type").asText("default"));
            float factor = (float) rs.path("factor").asDouble(1);
            scaling = switch (type) {
                case "default" -> RopeScaling.NONE;
                case "linear" -> RopeScaling.linear(factor);
                case "llama3" -> RopeScaling.llama3(factor, (float) rs.path("low_freq_factor").asDouble(1),
                        (float) rs.path("high_freq_factor").asDouble(4),
                        rs.path("original_max_position_embeddings").asInt(8192));
                default -> throw new ModelFileException(file, "unsupported rope_scaling type '" + type
                        + "' (supported: linear, llama3)");
            };
        }
        String name = file.toAbsolutePath().getParent().getFileName().toString();
        return new ModelConfig(arch, name, dim, layers, heads, kvHeads, headDim, ffn, vocab, context, eps, theta,
                headDim, RopeStyle.HALVES, scaling, null);
    }

    private static int size(Path file, JsonNode json, String key, int dflt) {
        JsonNode node = json.get(key);
        if (node == null || node.isNull()) {
            if (dflt >= 0) {
                return dflt;
            }
            throw new ModelFileException(file, "missing '" + key + "'");
        }
        if (!node.canConvertToLong() || node.asLong() <= 0 || node.asLong() > (1 << 24)) {
            throw new ModelFileException(file, "'" + key + "' = " + node + " is not a plausible size");
        }
        return node.asInt();
    }

    static ModelWeights weights(SafetensorsModel st, ModelConfig c, Path configFile) {
        boolean bias = c.architecture().qkvBias();
        boolean qkNorm = c.architecture().qkNorm();
        List<LayerWeights> layers = new ArrayList<>(c.layers());
        for (int l = 0; l < c.layers(); l++) {
            String b = "model.layers." + l + ".";
            layers.add(new LayerWeights(
                    vector(st, b + "input_layernorm.weight", c.dim()),
                    matrix(st, b + "self_attn.q_proj.weight", c.queryDim(), c.dim()),
                    matrix(st, b + "self_attn.k_proj.weight", c.kvDim(), c.dim()),
                    matrix(st, b + "self_attn.v_proj.weight", c.kvDim(), c.dim()),
                    matrix(st, b + "self_attn.o_proj.weight", c.dim(), c.queryDim()),
                    bias ? vector(st, b + "self_attn.q_proj.bias", c.queryDim()) : null,
                    bias ? vector(st, b + "self_attn.k_proj.bias", c.kvDim()) : null,
                    bias ? vector(st, b + "self_attn.v_proj.bias", c.kvDim()) : null,
                    qkNorm ? vector(st, b + "self_attn.q_norm.weight", c.headDim()) : null,
                    qkNorm ? vector(st, b + "self_attn.k_norm.weight", c.headDim()) : null,
                    vector(st, b + "post_attention_layernorm.weight", c.dim()),
                    matrix(st, b + "mlp.gate_proj.weight", c.ffnDim(), c.dim()),
                    matrix(st, b + "mlp.up_proj.weight", c.ffnDim(), c.dim()),
                    matrix(st, b + "mlp.down_proj.weight", c.dim(), c.ffnDim())));
        }
        WeightMatrix embedding = matrix(st, "model.embed_tokens.weight", c.vocabularySize(), c.dim());
        // Tied models may store the classifier under the embedding's name only, or not at all.
        WeightMatrix output = find(st, "lm_head.weight") != null
                ? matrix(st, "lm_head.weight", c.vocabularySize(), c.dim())
                : embedding;
        return new ModelWeights(embedding, List.copyOf(layers), vector(st, "model.norm.weight", c.dim()), output);
    }

    /**
     * The tensor {@code name}, following {@code __metadata__} aliases: a tied checkpoint saved by
     * transformers stores one copy and maps the other name to it (tinystories-656k keeps only
     * {@code lm_head.weight} and maps {@code model.embed_tokens.weight} to it).
     */
    private static SafetensorsTensor find(SafetensorsModel st, String name) {
        SafetensorsTensor t = st.tensor(name);
        if (t == null && st.metadata().containsKey(name)) {
            t = st.tensor(st.metadata().get(name));
        }
        if (t == null) {
            for (var alias : st.metadata().entrySet()) {
                if (alias.getValue().equals(name) && st.tensor(alias.getKey()) != null) {
                    return st.tensor(alias.getKey());
                }
            }
        }
        return t;
    }

    private static SafetensorsTensor require(SafetensorsModel st, String name) {
        SafetensorsTensor t = find(st, name);
        if (t == null) {
            throw new ModelFileException(st.source(), "missing tensor '" + name + "'");
        }
        return t;
    }

    private static GgmlType type(SafetensorsTensor t) {
        return switch (t.dtype()) {
            case F32 -> GgmlType.F32;
            case F16 -> GgmlType.F16;
            case BF16 -> GgmlType.BF16;
        };
    }

    private static WeightMatrix matrix(SafetensorsModel st, String name, int rows, int cols) {
        SafetensorsTensor t = require(st, name);
        long[] shape = t.shape();
        if (shape.length != 2 || shape[0] != rows || shape[1] != cols) {
            throw new ModelFileException(st.source(), "tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + ", expected [" + rows + ", " + cols + "]");
        }
        return WeightMatrix.of(type(t), t.data(), rows, cols);
    }

    private static float[] vector(SafetensorsModel st, String name, int length) {
        SafetensorsTensor t = require(st, name);
        if (t.shape().length != 1 || t.shape()[0] != length) {
            throw new ModelFileException(st.source(), "tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected [" + length + "]");
        }
        float[] out = new float[length];
        WeightMatrix.of(type(t), t.data(), 1, length).dequantizeRow(0, out, 0);
        return out;
    }
}
