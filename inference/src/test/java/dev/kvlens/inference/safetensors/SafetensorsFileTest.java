package dev.kvlens.inference.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.ModelFileException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../shared/models"));
    private static final Path TINYSTORIES = MODELS.resolve("tinystories-656k/model.safetensors");
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    private int fileNo;

    private static float at(SafetensorsTensor t, long index) {
        return t.data().getAtIndex(F32, index);
    }

    @Test
    void tinyStoriesHeaderAndShapes() {
        try (SafetensorsFile f = SafetensorsFile.open(TINYSTORIES)) {
            assertEquals(2_626_168, f.fileSize());
            assertEquals(8 + 2160, f.dataOffset());
            assertEquals(20, f.names().size());
            assertEquals(Map.of("format", "pt", "model.embed_tokens.weight", "lm_head.weight"), f.metadata());
            assertNull(f.tensor("model.embed_tokens.weight"), "tied: only lm_head is stored");
            assertArrayEquals(new long[] {2048, 128}, f.tensor("lm_head.weight").shape());
            assertArrayEquals(new long[] {128, 128}, f.tensor("model.layers.0.self_attn.q_proj.weight").shape());
            assertArrayEquals(new long[] {64, 128}, f.tensor("model.layers.1.self_attn.k_proj.weight").shape());
            assertArrayEquals(new long[] {64, 128}, f.tensor("model.layers.0.self_attn.v_proj.weight").shape());
            assertArrayEquals(new long[] {384, 128}, f.tensor("model.layers.0.mlp.gate_proj.weight").shape());
            assertArrayEquals(new long[] {128, 384}, f.tensor("model.layers.1.mlp.down_proj.weight").shape());
            assertArrayEquals(new long[] {128}, f.tensor("model.norm.weight").shape());
            long params = 0;
            for (SafetensorsTensor t : f.tensors()) {
                assertEquals(SafetensorsDtype.F32, t.dtype(), t.name());
                assertEquals(4 * t.elements(), t.data().byteSize(), t.name());
                params += t.elements();
            }
            // README: 656,000 parameters, the tied embedding counted once.
            assertEquals(656_000, params);
        }
    }

    @Test
    void tinyStoriesSpotValuesFromTheReadme() {
        try (SafetensorsFile f = SafetensorsFile.open(TINYSTORIES)) {
            String l = "model.layers.";
            assertEquals(0.14453125f, at(f.tensor("lm_head.weight"), 50));
            assertEquals(0.18652344f, at(f.tensor(l + "0.input_layernorm.weight"), 10));
            assertEquals(0.32421875f, at(f.tensor(l + "1.post_attention_layernorm.weight"), 10));
            assertEquals(0.73046875f, at(f.tensor("model.norm.weight"), 100));
            assertEquals(-0.0625f, at(f.tensor(l + "0.mlp.down_proj.weight"), 100));
            assertEquals(1.46875f, at(f.tensor(l + "0.mlp.up_proj.weight"), 100));
            assertEquals(0.296875f, at(f.tensor(l + "1.mlp.gate_proj.weight"), 100));
            assertEquals(0.032226563f, at(f.tensor(l + "1.self_attn.q_proj.weight"), 100));
            assertEquals(-0.21386719f, at(f.tensor(l + "1.self_attn.k_proj.weight"), 100));
            assertEquals(0.041015625f, at(f.tensor(l + "0.self_attn.v_proj.weight"), 100));
            assertEquals(0.01965332f, at(f.tensor(l + "0.self_attn.o_proj.weight"), 100));
        }
    }

    @Test
    void everyTinyStoriesValueIsBf16Representable() {
        // README: the file is a float32 re-save of bf16 weights, so the low 16 bits are always zero;
        // a slice that started at the wrong byte would break this almost everywhere.
        try (SafetensorsFile f = SafetensorsFile.open(TINYSTORIES)) {
            for (SafetensorsTensor t : f.tensors()) {
                MemorySegment d = t.data();
                for (long i = 0; i < t.elements(); i++) {
                    int bits = Float.floatToRawIntBits(d.getAtIndex(F32, i));
                    if ((bits & 0xffff) != 0) {
                        throw new AssertionError(t.name() + "[" + i + "] is not bf16-representable");
                    }
                }
            }
        }
    }

    private void rejects(String header, byte[] data, String fragment) {
        Path file = SafetensorsTestFiles.raw(dir.resolve("bad" + (fileNo++) + ".safetensors"), header, data);
        assertMessage(file, fragment);
    }

    private static void assertMessage(Path file, String fragment) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafetensorsFile.open(file).close());
        assertTrue(e.getMessage().contains(fragment), () -> "expected \"" + fragment + "\" in: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }

    private static String f32(String name, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    @Test
    void badHeaderLength() {
        Path tiny = SafetensorsTestFiles.raw(dir.resolve("short.safetensors"), 0, new byte[0], new byte[0]);
        assertEquals(8, tiny.toFile().length());
        assertMessage(SafetensorsTestFiles.raw(dir.resolve("huge.safetensors"), 1L << 40, "{}".getBytes(),
                new byte[0]), "header length 1099511627776 is over the 104857600-byte limit");
        assertMessage(SafetensorsTestFiles.raw(dir.resolve("neg.safetensors"), -1L, "{}".getBytes(), new byte[0]),
                "header length 18446744073709551615 is over");
        assertMessage(SafetensorsTestFiles.raw(dir.resolve("long.safetensors"), 1000, "{}".getBytes(), new byte[0]),
                "truncated: expected 1000 bytes for JSON header at byte 8, file has 10");
        assertMessage(SafetensorsTestFiles.raw(dir.resolve("empty.safetensors"), 0, new byte[0], new byte[0]),
                "header is not");
    }

    @Test
    void fileShorterThanTheLengthField() throws Exception {
        Path file = dir.resolve("three.safetensors");
        java.nio.file.Files.write(file, new byte[] {1, 2, 3});
        assertMessage(file, "truncated: expected 8 bytes for header length at byte 0, file has 3");
    }

    @Test
    void badJson() {
        rejects("{\"a\":", new byte[0], "header is not valid JSON");
        rejects("[1,2]", new byte[0], "header is not a JSON object");
        rejects("{} trailing", new byte[0], "header is not valid JSON");
        rejects("{" + f32("a", "[1]", 0, 4) + "," + f32("a", "[1]", 0, 4) + "}", new byte[4],
                "header is not valid JSON: Duplicate field 'a'");
        rejects("[".repeat(5000) + "]".repeat(5000), new byte[0], "header is not valid JSON");
    }

    @Test
    void unsupportedAndUnknownDtypes() {
        rejects("{\"t\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8],
                "tensor 't' has dtype I64, which KV Lens does not support (supported: F32, F16, BF16)");
        rejects("{\"t\":{\"dtype\":\"Q9\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8],
                "tensor 't' has dtype Q9, which is not a safetensors dtype");
        rejects("{\"t\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4], "tensor 't' has no dtype string");
    }

    @Test
    void offsetsOutOfRange() {
        rejects("{" + f32("t", "[4]", 0, 16) + "}", new byte[8],
                "tensor 't' data_offsets [0, 16] lie beyond the data section (8 bytes)");
        rejects("{" + f32("t", "[1]", 8, 4) + "}", new byte[8], "tensor 't' has invalid data_offsets [8,4]");
        rejects("{" + f32("t", "[1]", -4, 0) + "}", new byte[8], "invalid data_offsets");
        rejects("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,1e30]}}", new byte[8],
                "invalid data_offsets");
        rejects("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999999]}}",
                new byte[8], "invalid data_offsets");
        rejects("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[8],
                "tensor 't' has no data_offsets [begin, end] pair");
    }

    @Test
    void shapeAndSizeMismatch() {
        rejects("{" + f32("t", "[3]", 0, 8) + "}", new byte[8],
                "tensor 't' shape [3] of F32 needs 12 bytes but data_offsets [0, 8] hold 8");
        rejects("{" + f32("t", "[1099511627776,1099511627776,1099511627776]", 0, 8) + "}", new byte[8],
                "needs more than 2^63 bytes");
        rejects("{" + f32("t", "[-1]", 0, 8) + "}", new byte[8], "shape entry 0 (-1) is not a non-negative");
        rejects("{" + f32("t", "[1.5]", 0, 8) + "}", new byte[8], "shape entry 0 (1.5)");
        rejects("{\"t\":{\"dtype\":\"F16\",\"data_offsets\":[0,2]}}", new byte[2], "tensor 't' has no shape array");
    }

    @Test
    void overlappingTensors() {
        rejects("{" + f32("a", "[4]", 0, 16) + "," + f32("b", "[2]", 8, 16) + "}", new byte[16],
                "data of tensor 'b' [8, 16] overlaps tensor 'a' [0, 16]");
    }

    @Test
    void metadataMustBeStrings() {
        rejects("{\"__metadata__\":{\"n\":5}}", new byte[0], "__metadata__ value for 'n' is not a string");
        rejects("{\"__metadata__\":[]}", new byte[0], "__metadata__ is not a JSON object");
    }

    @Test
    void wellFormedHandWrittenFile() {
        byte[] data = new byte[4 + 2 + 2];
        MemorySegment.ofArray(data).set(F32, 0, 2.5f);
        data[4] = 0x00;                 // F16 1.0 = 0x3C00, little-endian
        data[5] = 0x3C;
        data[6] = (byte) 0x80;          // BF16 1.0 = 0x3F80
        data[7] = 0x3F;
        String header = "{\"__metadata__\":{\"k\":\"v\"}," + f32("a", "[1]", 0, 4)
                + ",\"h\":{\"dtype\":\"F16\",\"shape\":[1,1],\"data_offsets\":[4,6]}"
                + ",\"b\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[6,8]}}     ";   // padded header
        Path file = SafetensorsTestFiles.raw(dir.resolve("ok.safetensors"), header, data);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(Map.of("k", "v"), f.metadata());
            assertEquals(java.util.List.of("a", "h", "b"), f.names());
            assertEquals(2.5f, at(f.tensor("a"), 0));
            assertEquals(SafetensorsDtype.F16, f.tensor("h").dtype());
            assertEquals((short) 0x3C00, f.tensor("h").data().get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(
                    ByteOrder.LITTLE_ENDIAN), 0));
            assertEquals(1, f.tensor("b").elements());
            assertEquals(0, f.tensor("b").rank());
            assertEquals(2, f.tensor("b").data().byteSize());
        }
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherException() throws Exception {
        String header = "{\"__metadata__\":{\"format\":\"pt\"}," + f32("a.weight", "[2,3]", 0, 24) + ","
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[24,32]}}";
        byte[] full = java.nio.file.Files.readAllBytes(
                SafetensorsTestFiles.raw(dir.resolve("good.safetensors"), header, new byte[32]));
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("good.safetensors"))) {
            assertEquals(2, f.names().size());
        }
        java.util.Random random = new java.util.Random(77);
        Path bad = dir.resolve("fuzz.safetensors");
        int rejected = 0;
        for (int round = 0; round < 1500; round++) {
            byte[] b = full.clone();
            for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
                int at = random.nextInt(b.length - 32);          // corrupt the length field and the header
                String jsonish = "0123456789[]{},:\"-.e";
                b[at] = (byte) (random.nextBoolean() ? random.nextInt(256)
                        : jsonish.charAt(random.nextInt(jsonish.length())));
            }
            java.nio.file.Files.write(bad, b);
            try {
                SafetensorsFile.open(bad).close();
            } catch (ModelFileException expected) {
                rejected++;
            }
        }
        assertTrue(rejected > 0, "no corrupted file was refused");
    }
}
