package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.gguf.GgufFile;
import dev.kvlens.inference.gguf.GgufMetadata;
import dev.kvlens.inference.gguf.GgufTensorInfo;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.kernels.GgmlType;
import dev.kvlens.kernels.WeightMatrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SynthCommandTest {

    @TempDir
    Path dir;

    private Path synth(String type, int dim, int ffn, long seed) {
        Path out = dir.resolve("synth-" + type + "-" + seed + ".gguf");
        CliResult r = Cli.run("synth", "--like", "llama", "--layers", "2", "--dim", Integer.toString(dim),
                "--heads", "4", "--kv-heads", "2", "--ffn", Integer.toString(ffn), "--vocab-from",
                Cli.STORIES.toString(), "--type", type, "--out", out.toString(), "--seed", Long.toString(seed),
                "--context", "256");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("wrote " + out), r.out());
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_k", "q5_k", "q6_k"})
    void loadsBackAndRunsWithFiniteLogits(String type) {
        boolean kQuant = type.endsWith("_k");
        int dim = kQuant ? 256 : 64;
        int ffn = kQuant ? 512 : 128;
        Path file = synth(type, dim, ffn, 7);
        try (LoadedModel loaded = ModelLoader.load(file)) {
            ModelConfig c = loaded.config();
            assertEquals(2, c.layers());
            assertEquals(dim, c.dim());
            assertEquals(4, c.heads());
            assertEquals(2, c.kvHeads());
            assertEquals(dim / 4, c.headDim());
            assertEquals(ffn, c.ffnDim());
            assertEquals(512, c.vocabularySize());
            assertEquals(256, c.contextLength());
            GgmlType expected = GgmlType.valueOf(type.toUpperCase());
            // 2 norms per layer + output norm stay F32; 7 matrices per layer + embedding + output use the type.
            Map<String, Integer> types = loaded.facts().tensorTypes();
            if (expected == GgmlType.F32) {
                assertEquals(Map.of("F32", 21), types);
            } else {
                assertEquals(Map.of("F32", 5, expected.name(), 16), types);
            }
            int[] prompt = loaded.tokenizer().encode("Once upon a time", true, true);
            float[] logits = loaded.model().newForwardPass().forward(prompt, 0, loaded.model().newFullCache(),
                    null, true);
            assertEquals(prompt.length * 512, logits.length);
            float max = 0;
            for (float v : logits) {
                assertTrue(Float.isFinite(v), "finite logits");
                max = Math.max(max, Math.abs(v));
            }
            assertTrue(max > 0, "logits are not all zero");
        }
        CliResult generated = Cli.run("generate", "-m", file.toString(), "-p", "Once upon a time", "-n", "5",
                "--temperature", "0", "--json");
        assertEquals(0, generated.exitCode(), generated.err());
    }

    @Test
    void weightsAreNormalWithSigma002AndNormsAreOne() {
        Path file = synth("f32", 64, 128, 1);
        try (GgufFile gguf = GgufFile.open(file)) {
            GgufTensorInfo q = gguf.tensor("blk.1.ffn_down.weight");
            assertArrayEquals(new long[] {128, 64}, q.dims());
            WeightMatrix m = WeightMatrix.of(GgmlType.F32, gguf.tensorData(q), 64, 128);
            double sum = 0;
            double squares = 0;
            float[] row = new float[128];
            for (int r = 0; r < 64; r++) {
                m.dequantizeRow(r, row, 0);
                for (float v : row) {
                    sum += v;
                    squares += v * v;
                }
            }
            int n = 64 * 128;
            double mean = sum / n;
            double sd = Math.sqrt(squares / n - mean * mean);
            assertEquals(0, mean, 0.002);
            assertEquals(SynthCommand.SIGMA, sd, 0.001);

            GgufTensorInfo norm = gguf.tensor("blk.0.attn_norm.weight");
            assertEquals(GgmlType.F32, norm.type());
            assertArrayEquals(new long[] {64}, norm.dims());
            float[] ones = new float[64];
            WeightMatrix.of(GgmlType.F32, gguf.tensorData(norm), 1, 64).dequantizeRow(0, ones, 0);
            for (float v : ones) {
                assertEquals(1f, v);
            }
        }
    }

    @Test
    void llamaCppNamesShapesAndMetadata() {
        Path file = synth("q8_0", 64, 128, 1);
        try (GgufFile gguf = GgufFile.open(file); GgufFile vocab = GgufFile.open(Cli.STORIES)) {
            assertEquals(3 + 9 * 2, gguf.tensors().size());
            long[][] shapes = {{64, 512}, {64, 512}, {64}};
            String[] names = {"token_embd.weight", "output.weight", "output_norm.weight"};
            for (int i = 0; i < names.length; i++) {
                assertArrayEquals(shapes[i], gguf.tensor(names[i]).dims(), names[i]);
            }
            // head dim 16, 2 KV heads: K and V produce 32 values from 64.
            assertArrayEquals(new long[] {64, 64}, gguf.tensor("blk.1.attn_q.weight").dims());
            assertArrayEquals(new long[] {64, 32}, gguf.tensor("blk.1.attn_k.weight").dims());
            assertArrayEquals(new long[] {64, 32}, gguf.tensor("blk.1.attn_v.weight").dims());
            assertArrayEquals(new long[] {64, 64}, gguf.tensor("blk.1.attn_output.weight").dims());
            assertArrayEquals(new long[] {64, 128}, gguf.tensor("blk.1.ffn_gate.weight").dims());
            assertArrayEquals(new long[] {64, 128}, gguf.tensor("blk.1.ffn_up.weight").dims());
            assertArrayEquals(new long[] {128, 64}, gguf.tensor("blk.1.ffn_down.weight").dims());
            assertArrayEquals(new long[] {64}, gguf.tensor("blk.1.ffn_norm.weight").dims());

            GgufMetadata md = gguf.metadata();
            assertEquals("llama", md.getString("general.architecture"));
            assertEquals(7, md.getLong("general.file_type"), "LLAMA_FTYPE_MOSTLY_Q8_0");
            assertEquals(2, md.getLong("llama.block_count"));
            assertEquals(64, md.getLong("llama.embedding_length"));
            assertEquals(128, md.getLong("llama.feed_forward_length"));
            assertEquals(4, md.getLong("llama.attention.head_count"));
            assertEquals(2, md.getLong("llama.attention.head_count_kv"));
            assertEquals(16, md.getLong("llama.rope.dimension_count"));
            assertEquals(256, md.getLong("llama.context_length"));
            GgufMetadata source = vocab.metadata();
            for (String key : source.keys()) {
                if (key.startsWith("tokenizer.")) {
                    assertEquals(source.type(key), md.type(key), key);
                    assertEquals(source.get(key), md.get(key), key);
                }
            }
        }
    }

    @Test
    void sameSeedSameFileOtherSeedOtherWeights() throws Exception {
        Path a = synth("f16", 64, 128, 5);
        byte[] first = Files.readAllBytes(a);
        Files.move(a, dir.resolve("first.gguf"));
        byte[] again = Files.readAllBytes(synth("f16", 64, 128, 5));
        assertArrayEquals(first, again);
        byte[] other = Files.readAllBytes(synth("f16", 64, 128, 6));
        assertEquals(first.length, other.length);
        assertFalse(java.util.Arrays.equals(first, other));
    }

    @Test
    void shapeThatDoesNotFitTheBlocksIsRefused() {
        CliResult r = Cli.run("synth", "--layers", "1", "--dim", "48", "--heads", "4", "--ffn", "64",
                "--vocab-from", Cli.STORIES.toString(), "--type", "q8_0", "--out", dir.resolve("x.gguf").toString());
        assertEquals(2, r.exitCode());
        assertEquals(1, r.errLines().length, r.err());
        assertTrue(r.err().startsWith("kvlens: --type q8_0 stores rows in blocks of 32"), r.err());
        assertFalse(Files.exists(dir.resolve("x.gguf")));
    }
}
