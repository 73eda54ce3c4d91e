package dev.kvlens.inference.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.kernels.GgmlType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterTest {

    @TempDir
    Path dir;

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../shared/models"));

    private static GgufArray arr(GgufValueType t, Object values) {
        return new GgufArray(t, values);
    }

    @Test
    void layoutMatchesTheHandAssembledFormat() throws IOException {
        byte[] data = new byte[8];
        MemorySegment.ofArray(data).set(GgufCursor.F32, 0, 1.0f);
        MemorySegment.ofArray(data).set(GgufCursor.F32, 4, -2.5f);
        Path file = dir.resolve("tiny.gguf");
        new GgufWriter().putUint32("n", 7).addTensor("w", GgmlType.F32, new long[] {2}, data).write(file);

        GgufTestBytes expected = new GgufTestBytes().header(3, 1, 1)
                .key("n", GgufValueType.UINT32).u32(7)
                .tensorInfo("w", new long[] {2}, 0, 0)
                .pad(32)
                .f32(1.0f).f32(-2.5f)
                .pad(32);
        assertArrayEquals(expected.bytes(), Files.readAllBytes(file));
    }

    @Test
    void everyValueTypeRoundTrips() {
        GgufArray nested = arr(GgufValueType.ARRAY, new GgufArray[] {
            arr(GgufValueType.INT32, new int[] {1, -2, 3}),
            arr(GgufValueType.ARRAY, new GgufArray[] {arr(GgufValueType.STRING, new String[] {"deep", "ß→✓"})}),
            arr(GgufValueType.FLOAT64, new double[0])});
        GgufWriter w = new GgufWriter()
                .putUint8("u8", 255).putInt8("i8", -128).putUint16("u16", 65535).putInt16("i16", -32768)
                .putUint32("u32", 0xFFFF_FFFFL).putInt32("i32", Integer.MIN_VALUE)
                .putUint64("u64", 0x8000_0000_0000_0001L).putInt64("i64", Long.MIN_VALUE)
                .putFloat32("f32", Float.MIN_VALUE).putFloat64("f64", Math.PI).putBool("t", true).putBool("f", false)
                .putString("s", "héllo ▁wörld 🙂").putString("empty", "")
                .putArray("a.u8", arr(GgufValueType.UINT8, new byte[] {0, 127, (byte) 255}))
                .putArray("a.i8", arr(GgufValueType.INT8, new byte[] {-1, 1}))
                .putArray("a.bool", arr(GgufValueType.BOOL, new byte[] {1, 0, 1}))
                .putArray("a.u16", arr(GgufValueType.UINT16, new short[] {(short) 65535}))
                .putArray("a.i16", arr(GgufValueType.INT16, new short[] {-5, 5}))
                .putArray("a.u32", arr(GgufValueType.UINT32, new int[] {-1, 0}))
                .putArray("a.i32", arr(GgufValueType.INT32, new int[] {Integer.MAX_VALUE}))
                .putArray("a.u64", arr(GgufValueType.UINT64, new long[] {-1L}))
                .putArray("a.i64", arr(GgufValueType.INT64, new long[] {Long.MAX_VALUE, 0}))
                .putArray("a.f32", arr(GgufValueType.FLOAT32, new float[] {0.5f, Float.NaN, -0.0f}))
                .putArray("a.f64", arr(GgufValueType.FLOAT64, new double[] {1e300}))
                .putArray("a.str", arr(GgufValueType.STRING, new String[] {"", "a b", "<0x0A>"}))
                .putArray("a.empty", arr(GgufValueType.STRING, new String[0]))
                .putArray("a.nested", nested);
        Path file = dir.resolve("types.gguf");
        w.write(file);
        try (GgufFile f = GgufFile.open(file)) {
            GgufMetadata m = f.metadata();
            assertEquals(List.of("u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64", "t", "f", "s",
                    "empty", "a.u8", "a.i8", "a.bool", "a.u16", "a.i16", "a.u32", "a.i32", "a.u64", "a.i64", "a.f32",
                    "a.f64", "a.str", "a.empty", "a.nested"), new ArrayList<>(m.keys()));
            assertEquals(255L, m.get("u8"));
            assertEquals(GgufValueType.UINT8, m.type("u8"));
            assertEquals(-128L, m.get("i8"));
            assertEquals(65535L, m.get("u16"));
            assertEquals(-32768L, m.get("i16"));
            assertEquals(4294967295L, m.get("u32"));
            assertEquals((long) Integer.MIN_VALUE, m.get("i32"));
            assertEquals(0x8000_0000_0000_0001L, m.get("u64"));
            assertEquals(GgufValueType.UINT64, m.type("u64"));
            assertEquals(Long.MIN_VALUE, m.get("i64"));
            assertEquals(Float.MIN_VALUE, m.get("f32"));
            assertEquals(Math.PI, m.get("f64"));
            assertEquals(true, m.get("t"));
            assertEquals(false, m.get("f"));
            assertEquals("héllo ▁wörld 🙂", m.getString("s"));
            assertEquals("", m.getString("empty"));
            assertArrayEquals(new byte[] {0, 127, (byte) 255}, (byte[]) m.getArray("a.u8").values());
            assertEquals(GgufValueType.INT8, m.getArray("a.i8").elementType());
            assertArrayEquals(new byte[] {1, 0, 1}, (byte[]) m.getArray("a.bool").values());
            assertArrayEquals(new int[] {65535}, m.getIntArray("a.u16"));
            assertArrayEquals(new int[] {-5, 5}, m.getIntArray("a.i16"));
            assertArrayEquals(new int[] {-1, 0}, (int[]) m.getArray("a.u32").values());
            assertArrayEquals(new long[] {-1L}, (long[]) m.getArray("a.u64").values());
            assertArrayEquals(new long[] {Long.MAX_VALUE, 0}, (long[]) m.getArray("a.i64").values());
            float[] f32 = m.getFloatArray("a.f32");
            assertEquals(0.5f, f32[0]);
            assertTrue(Float.isNaN(f32[1]));
            assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(f32[2]));
            assertArrayEquals(new double[] {1e300}, (double[]) m.getArray("a.f64").values());
            assertArrayEquals(new String[] {"", "a b", "<0x0A>"}, m.getStringArray("a.str"));
            assertEquals(0, m.getArray("a.empty").length());
            assertEquals(nested, m.getArray("a.nested"));
            GgufArray inner = ((GgufArray[]) ((GgufArray[]) m.getArray("a.nested").values())[1].values())[0];
            assertArrayEquals(new String[] {"deep", "ß→✓"}, (String[]) inner.values());
        }
    }

    @Test
    void tensorsStartAtAlignedOffsetsWithTheirBytes() {
        byte[] f16 = {1, 2, 3, 4, 5, 6};                         // 3 F16 values
        byte[] q8 = new byte[34];                                // one Q8_0 block
        for (int i = 0; i < q8.length; i++) {
            q8[i] = (byte) (i * 7);
        }
        float[] f32 = {3.25f, -1f, 0f, 8f, 9f};
        Path file = dir.resolve("aligned.gguf");
        new GgufWriter().alignment(64).putString("general.architecture", "test")
                .addTensor("a", GgmlType.F16, new long[] {3}, f16)
                .addTensor("b", GgmlType.Q8_0, new long[] {32, 1}, MemorySegment.ofArray(q8))
                .addTensor("c", GgmlType.F32, new long[] {5, 1, 1, 1}, target -> {
                    for (int i = 0; i < f32.length; i++) {
                        target.setAtIndex(GgufCursor.F32, i, f32[i]);
                    }
                })
                .write(file);
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(64, f.alignment());
            assertEquals(0, f.dataOffset() % 64);
            assertEquals(List.of("a", "b", "c"), f.tensors().stream().map(GgufTensorInfo::name).toList());
            for (GgufTensorInfo t : f.tensors()) {
                assertEquals(0, t.offset() % 64, t.name());
            }
            assertEquals(0, f.tensor("a").offset());
            assertEquals(64, f.tensor("b").offset());
            assertEquals(128, f.tensor("c").offset());
            assertEquals(GgmlType.Q8_0, f.tensor("b").type());
            assertArrayEquals(new long[] {5, 1, 1, 1}, f.tensor("c").dims());
            assertArrayEquals(f16, f.tensorData(f.tensor("a")).toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(q8, f.tensorData(f.tensor("b")).toArray(ValueLayout.JAVA_BYTE));
            MemorySegment c = f.tensorData(f.tensor("c"));
            for (int i = 0; i < f32.length; i++) {
                assertEquals(f32[i], c.getAtIndex(GgufCursor.F32, i));
            }
            assertEquals(f.dataOffset() + 128 + 64, f.fileSize(), "the last tensor is padded to the alignment");
        }
    }

    @Test
    void rewritingStories260KReproducesItKeyByKeyAndByteForByte() throws IOException {
        Path source = MODELS.resolve("stories260K.gguf");
        Path copy = dir.resolve("copy.gguf");
        rewrite(source, copy);
        try (GgufFile a = GgufFile.open(source); GgufFile b = GgufFile.open(copy)) {
            assertEquals(new ArrayList<>(a.metadata().keys()), new ArrayList<>(b.metadata().keys()));
            for (String key : a.metadata().keys()) {
                assertEquals(a.metadata().type(key), b.metadata().type(key), key);
                assertEquals(a.metadata().get(key), b.metadata().get(key), key);
            }
            assertEquals(a.tensors(), b.tensors());
            for (GgufTensorInfo t : a.tensors()) {
                assertEquals(-1, a.tensorData(t).mismatch(b.tensorData(b.tensor(t.name()))), t.name());
            }
        }
        // llama.cpp wrote the original: an identical file shows the writer uses llama.cpp's layout.
        assertEquals(-1, Files.mismatch(source, copy));
    }

    @Test
    void rewritingEveryVocabularyFileReproducesItExactly() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(MODELS.resolve("ggml-vocab"))) {
            files = s.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        assertEquals(10, files.size());
        files = new ArrayList<>(files);
        files.add(MODELS.resolve("llama-2-tiny-random.gguf"));
        for (Path source : files) {
            Path copy = dir.resolve(source.getFileName());
            rewrite(source, copy);
            assertEquals(-1, Files.mismatch(source, copy), source.toString());
        }
    }

    private static void rewrite(Path source, Path target) {
        try (GgufFile in = GgufFile.open(source)) {
            GgufWriter w = new GgufWriter().putAll(in.metadata());
            for (GgufTensorInfo t : in.tensors()) {
                w.addTensor(t.name(), t.type(), t.dims(), in.tensorData(t));
            }
            w.write(target);
        }
    }

    @Test
    void refusesValuesAndTensorsThatReadersWouldReject() {
        GgufWriter w = new GgufWriter();
        assertThrows(IllegalArgumentException.class, () -> w.putUint8("x", 256));
        assertThrows(IllegalArgumentException.class, () -> w.putUint32("x", -1));
        assertThrows(IllegalArgumentException.class, () -> w.put("x", GgufValueType.FLOAT32, 1.0));
        assertThrows(IllegalArgumentException.class, () -> w.alignment(48));
        assertThrows(IllegalArgumentException.class,
                () -> w.putArray("b", arr(GgufValueType.BOOL, new byte[] {2})));
        GgufArray deep = arr(GgufValueType.INT8, new byte[0]);
        for (int i = 0; i < 8; i++) {
            deep = arr(GgufValueType.ARRAY, new GgufArray[] {deep});
        }
        GgufArray nineLevels = deep;
        assertThrows(IllegalArgumentException.class, () -> w.putArray("deep", nineLevels));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", GgmlType.F32, new long[] {3}, new byte[8]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("q", GgmlType.Q8_0, new long[] {16}, new byte[17]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("x".repeat(64), GgmlType.F32, new long[] {1},
                new byte[4]));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("five", GgmlType.F32, new long[] {1, 1, 1, 1, 1}, new byte[4]));
        w.addTensor("t", GgmlType.F32, new long[] {1}, new byte[4]);
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", GgmlType.F32, new long[] {1}, new byte[4]));
    }

    @Test
    void aFailedWriteLeavesNeitherTargetNorTemporaryFile() throws IOException {
        Path file = dir.resolve("never.gguf");
        GgufWriter w = new GgufWriter().addTensor("t", GgmlType.F32, new long[] {4}, target -> {
            throw new IllegalStateException("source went away");
        });
        assertThrows(IllegalStateException.class, () -> w.write(file));
        assertFalse(Files.exists(file));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count(), "temporary file left behind");
        }
    }
}
