package dev.kvlens.inference.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.ModelFileException;
import dev.kvlens.kernels.GgmlType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The real files in shared/models, checked against the facts in its README. */
class GgufRealFilesTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../shared/models"));

    @Test
    void stories260KHeader() {
        try (GgufFile f = GgufFile.open(MODELS.resolve("stories260K.gguf"))) {
            assertEquals(3, f.version());
            assertEquals(1_185_376, f.fileSize());
            assertEquals(19, f.metadata().size());
            assertEquals(48, f.tensors().size());
            assertEquals(14176, f.dataOffset());
            assertEquals(32, f.alignment());
            assertEquals("llama", f.architecture());
            GgufMetadata m = f.metadata();
            assertEquals("llama", m.getString("general.name"));
            assertFalse(m.has("general.alignment"));
            assertFalse(m.has("llama.rope.freq_base"));
            assertEquals(64, m.getInt("llama.embedding_length"));
            assertEquals(5, m.getInt("llama.block_count"));
            assertEquals(172, m.getInt("llama.feed_forward_length"));
            assertEquals(8, m.getInt("llama.attention.head_count"));
            assertEquals(4, m.getInt("llama.attention.head_count_kv"));
            assertEquals(8, m.getInt("llama.rope.dimension_count"));
            assertEquals(2048, m.getInt("llama.context_length"));
            assertEquals(1e-5f, m.getFloat("llama.attention.layer_norm_rms_epsilon"));
            assertEquals(GgufValueType.FLOAT32, m.type("llama.attention.layer_norm_rms_epsilon"));
            assertEquals("llama", m.getString("tokenizer.ggml.model"));
            assertEquals(1, m.getInt("tokenizer.ggml.bos_token_id"));
            assertEquals(2, m.getInt("tokenizer.ggml.eos_token_id"));
            assertEquals(0, m.getInt("tokenizer.ggml.unknown_token_id"));
            assertEquals(4294967295L, m.getLong("tokenizer.ggml.seperator_token_id"));
            assertEquals(4294967295L, m.getLong("tokenizer.ggml.padding_token_id"));
            assertThrows(ModelFileException.class, () -> m.getInt("tokenizer.ggml.padding_token_id"));

            String[] tokens = m.getStringArray("tokenizer.ggml.tokens");
            int[] types = m.getIntArray("tokenizer.ggml.token_type");
            assertEquals(512, tokens.length);
            assertEquals(512, m.getFloatArray("tokenizer.ggml.scores").length);
            assertEquals("<unk>", tokens[0]);
            assertEquals("<s>", tokens[1]);
            assertEquals("</s>", tokens[2]);
            assertEquals("<0x00>", tokens[3]);
            assertEquals("<0xFF>", tokens[258]);
            assertEquals(2, types[0]);
            assertEquals(3, types[1]);
            assertEquals(3, types[2]);
            for (int i = 3; i <= 258; i++) {
                assertEquals(6, types[i], "byte token " + i);
            }
            for (int i = 259; i < 512; i++) {
                assertEquals(1, types[i], "token " + i);
            }
            assertEquals(null, m.getStringArray("tokenizer.ggml.merges", null));
        }
    }

    @Test
    void stories260KTensors() {
        try (GgufFile f = GgufFile.open(MODELS.resolve("stories260K.gguf"))) {
            long elements = 0;
            for (GgufTensorInfo t : f.tensors()) {
                assertEquals(GgmlType.F32, t.type(), t.name());
                assertEquals(0, t.offset() % 32, t.name());
                assertEquals(4 * t.elements(), t.byteSize(), t.name());
                assertEquals(t.byteSize(), f.tensorData(t).byteSize());
                elements += t.elements();
            }
            assertArrayEquals(new long[] {64, 512}, f.tensor("token_embd.weight").dims());
            assertArrayEquals(new long[] {64, 512}, f.tensor("output.weight").dims());
            assertArrayEquals(new long[] {64}, f.tensor("output_norm.weight").dims());
            for (int b = 0; b < 5; b++) {
                String p = "blk." + b + ".";
                assertArrayEquals(new long[] {64, 64}, f.tensor(p + "attn_q.weight").dims());
                assertArrayEquals(new long[] {64, 32}, f.tensor(p + "attn_k.weight").dims());
                assertArrayEquals(new long[] {64, 32}, f.tensor(p + "attn_v.weight").dims());
                assertArrayEquals(new long[] {64, 64}, f.tensor(p + "attn_output.weight").dims());
                assertArrayEquals(new long[] {64, 172}, f.tensor(p + "ffn_gate.weight").dims());
                assertArrayEquals(new long[] {64, 172}, f.tensor(p + "ffn_up.weight").dims());
                assertArrayEquals(new long[] {172, 64}, f.tensor(p + "ffn_down.weight").dims());
                assertArrayEquals(new long[] {64}, f.tensor(p + "attn_norm.weight").dims());
                assertArrayEquals(new long[] {64}, f.tensor(p + "ffn_norm.weight").dims());
            }
            assertEquals(null, f.tensor("blk.5.attn_q.weight"));
            // README: output.weight is a separate copy of the embedding; 260,032 distinct parameters.
            MemorySegment embd = f.tensorData(f.tensor("token_embd.weight"));
            MemorySegment out = f.tensorData(f.tensor("output.weight"));
            assertEquals(-1, embd.mismatch(out));
            assertEquals(260_032, elements - f.tensor("output.weight").elements());
        }
    }

    @Test
    void llama2TinyRandom() {
        try (GgufFile f = GgufFile.open(MODELS.resolve("llama-2-tiny-random.gguf"))) {
            GgufMetadata m = f.metadata();
            assertEquals(18, m.size());
            assertEquals(12, f.tensors().size());
            assertEquals(724416, f.dataOffset());
            assertEquals("LLaMA v2", m.getString("general.name"));
            assertEquals(1, m.getInt("general.file_type"));
            assertEquals(4096, m.getInt("llama.context_length"));
            assertEquals(8, m.getInt("llama.embedding_length"));
            assertEquals(1, m.getInt("llama.block_count"));
            assertEquals(32, m.getInt("llama.feed_forward_length"));
            assertEquals(2, m.getInt("llama.attention.head_count"));
            assertEquals(2, m.getInt("llama.attention.head_count_kv"));
            assertEquals(4, m.getInt("llama.rope.dimension_count"));
            assertEquals(32000, m.getStringArray("tokenizer.ggml.tokens").length);
            for (GgufTensorInfo t : f.tensors()) {
                GgmlType expected = t.rank() == 2 ? GgmlType.F16 : GgmlType.F32;
                assertEquals(expected, t.type(), t.name());
            }
            GgufTensorInfo embd = f.tensor("token_embd.weight");
            assertArrayEquals(new long[] {8, 32000}, embd.dims());
            assertEquals(8L * 32000 * 2, embd.byteSize());
            assertArrayEquals(new long[] {8, 32000}, f.tensor("output.weight").dims());
            assertArrayEquals(new long[] {8, 8}, f.tensor("blk.0.attn_q.weight").dims());
            assertArrayEquals(new long[] {8, 32}, f.tensor("blk.0.ffn_up.weight").dims());
            assertArrayEquals(new long[] {32, 8}, f.tensor("blk.0.ffn_down.weight").dims());

            // README: tokens, scores and types are identical to ggml-vocab-llama-spm.gguf.
            try (GgufFile spm = GgufFile.open(MODELS.resolve("ggml-vocab/ggml-vocab-llama-spm.gguf"))) {
                for (String key : List.of("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type")) {
                    assertEquals(spm.metadata().getArray(key), m.getArray(key), key);
                }
            }
        }
    }

    private static GgufMetadata vocab(String name) {
        try (GgufFile f = GgufFile.open(MODELS.resolve("ggml-vocab/ggml-vocab-" + name + ".gguf"))) {
            assertEquals(3, f.version());
            assertEquals(0, f.tensors().size());
            return f.metadata();
        }
    }

    @Test
    void everyVocabularyFileIsHeaderOnly() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(MODELS.resolve("ggml-vocab"))) {
            files = s.filter(p -> p.toString().endsWith(".gguf")).toList();
        }
        assertEquals(10, files.size());
        for (Path p : files) {
            try (GgufFile f = GgufFile.open(p)) {
                assertEquals(0, f.tensors().size(), p.toString());
                assertTrue(f.metadata().getStringArray("tokenizer.ggml.tokens").length > 30000, p.toString());
            }
        }
    }

    @Test
    void vocabularyHyperParameters() {
        GgufMetadata spm = vocab("llama-spm");
        assertEquals("llama", spm.getString("general.architecture"));
        assertEquals(32, spm.getInt("llama.block_count"));
        assertEquals(4096, spm.getInt("llama.embedding_length"));
        assertEquals(11008, spm.getInt("llama.feed_forward_length"));
        assertEquals(32, spm.getInt("llama.attention.head_count"));
        assertEquals(32, spm.getInt("llama.attention.head_count_kv"));
        assertEquals(128, spm.getInt("llama.rope.dimension_count"));
        assertEquals(4096, spm.getInt("llama.context_length"));
        assertEquals(1e-5f, spm.getFloat("llama.attention.layer_norm_rms_epsilon"));
        assertEquals(32000, spm.getStringArray("tokenizer.ggml.tokens").length);
        assertTrue(spm.getBoolean("tokenizer.ggml.add_bos_token", false));

        GgufMetadata phi3 = vocab("phi-3");
        assertEquals("phi3", phi3.getString("general.architecture"));
        assertEquals(3072, phi3.getInt("phi3.embedding_length"));
        assertEquals(8192, phi3.getInt("phi3.feed_forward_length"));
        assertEquals(96, phi3.getInt("phi3.rope.dimension_count"));
        assertEquals(32064, phi3.getStringArray("tokenizer.ggml.tokens").length);
        assertEquals(32000, phi3.getInt("tokenizer.ggml.eos_token_id"));
        assertTrue(phi3.getString("tokenizer.chat_template").contains("<|assistant|>"));

        GgufMetadata gpt2 = vocab("gpt-2");
        assertEquals("gpt2", gpt2.getString("general.architecture"));
        assertEquals(12, gpt2.getInt("gpt2.block_count"));
        assertEquals(768, gpt2.getInt("gpt2.embedding_length"));
        assertEquals(3072, gpt2.getInt("gpt2.feed_forward_length"));
        assertEquals(12, gpt2.getInt("gpt2.attention.head_count"));
        assertEquals(1024, gpt2.getInt("gpt2.context_length"));
        assertEquals(50257, gpt2.getStringArray("tokenizer.ggml.tokens").length);
        assertEquals(50000, gpt2.getStringArray("tokenizer.ggml.merges").length);
        assertEquals(50256, gpt2.getInt("tokenizer.ggml.bos_token_id"));
        assertEquals(50256, gpt2.getInt("tokenizer.ggml.eos_token_id"));

        GgufMetadata coder = vocab("deepseek-coder");
        assertEquals("llama", coder.getString("general.architecture"));
        assertEquals(100000f, coder.getFloat("llama.rope.freq_base"));
        assertEquals("linear", coder.getString("llama.rope.scaling.type"));
        assertEquals(4.0f, coder.getFloat("llama.rope.scaling.factor"));
        assertEquals(16384, coder.getInt("llama.context_length"));
        assertEquals(32256, coder.getStringArray("tokenizer.ggml.tokens").length);
        assertEquals("deepseek-coder", coder.getString("tokenizer.ggml.pre"));

        GgufMetadata llm = vocab("deepseek-llm");
        assertEquals(30, llm.getInt("llama.block_count"));
        assertEquals(102400, llm.getStringArray("tokenizer.ggml.tokens").length);

        GgufMetadata falcon = vocab("falcon");
        assertEquals(4544, falcon.getInt("falcon.embedding_length"));
        assertEquals(71, falcon.getInt("falcon.attention.head_count"));
        assertEquals(1, falcon.getInt("falcon.attention.head_count_kv"));
        assertEquals(65024, falcon.getStringArray("tokenizer.ggml.tokens").length);

        GgufMetadata mpt = vocab("mpt");
        assertEquals(32, mpt.getInt("mpt.block_count"));
        assertEquals(8.0f, mpt.getFloat("mpt.attention.max_alibi_bias"));
        assertEquals(50432, mpt.getStringArray("tokenizer.ggml.tokens").length);

        GgufMetadata starcoder = vocab("starcoder");
        assertEquals("starcoder2", starcoder.getString("general.architecture"));
        assertEquals(30, starcoder.getInt("starcoder2.block_count"));
        assertEquals(24, starcoder.getInt("starcoder2.attention.head_count"));
        assertEquals(2, starcoder.getInt("starcoder2.attention.head_count_kv"));
        assertEquals(999999.4375f, starcoder.getFloat("starcoder2.rope.freq_base"));
        assertEquals(49152, starcoder.getStringArray("tokenizer.ggml.tokens").length);

        GgufMetadata refact = vocab("refact");
        assertEquals(2048, refact.getInt("refact.embedding_length"));
        assertEquals(1, refact.getInt("refact.attention.head_count_kv"));
        assertEquals(49216, refact.getStringArray("tokenizer.ggml.tokens").length);

        GgufMetadata bert = vocab("bert-bge");
        assertEquals("bert", bert.getString("general.architecture"));
        assertEquals(12, bert.getInt("bert.block_count"));
        assertEquals(384, bert.getInt("bert.embedding_length"));
        assertEquals(512, bert.getInt("bert.context_length"));
        assertFalse(bert.getBoolean("bert.attention.causal", true));
        assertEquals(30522, bert.getStringArray("tokenizer.ggml.tokens").length);
    }
}
