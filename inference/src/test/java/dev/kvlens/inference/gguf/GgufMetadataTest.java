package dev.kvlens.inference.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.ModelFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Typed getters over metadata read from a hand-assembled file. */
class GgufMetadataTest {

    @TempDir
    static Path dir;

    static GgufMetadata m;

    @BeforeAll
    static void read() {
        Path file = new GgufTestBytes().header(2, 0, 9)
                .key("name", GgufValueType.STRING).str("tiny")
                .key("none", GgufValueType.UINT32).u32(0xFFFF_FFFFL)
                .key("ctx", GgufValueType.UINT32).u32(2048)
                .key("neg", GgufValueType.INT16).u16(0xFFFE)
                .key("eps", GgufValueType.FLOAT32).f32(1e-5f)
                .key("theta", GgufValueType.FLOAT64).f64(500000.0)
                .key("big", GgufValueType.UINT64).u64(-1L)
                .key("causal", GgufValueType.BOOL).u8(0)
                .key("types", GgufValueType.ARRAY).u32(GgufValueType.INT32.id()).u64(3).u32(1).u32(6).u32(-3)
                .writeTo(dir.resolve("meta.gguf"));
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(2, f.version());
            m = f.metadata();
        }
    }

    @Test
    void scalarsByType() {
        assertEquals("tiny", m.getString("name"));
        assertEquals(4294967295L, m.getLong("none"));
        assertEquals(2048, m.getInt("ctx"));
        assertEquals(-2, m.getInt("neg"));
        assertEquals(1e-5f, m.getFloat("eps"));
        assertEquals(500000f, m.getFloat("theta"));
        assertEquals(2048f, m.getFloat("ctx"));
        assertEquals(18446744073709551615f, m.getFloat("big"));
        assertEquals(-1L, m.getLong("big"));
        assertFalse(m.getBoolean("causal", true));
        assertArrayEquals(new int[] {1, 6, -3}, m.getIntArray("types"));
    }

    @Test
    void defaultsApplyOnlyWhenAbsent() {
        assertEquals("x", m.getString("missing", "x"));
        assertEquals(7, m.getInt("missing", 7));
        assertEquals(10000f, m.getFloat("missing", 10000f));
        assertTrue(m.getBoolean("missing", true));
        assertEquals(2048, m.getInt("ctx", 7));
        assertNull(m.getStringArray("missing", null));
        assertNull(m.getFloatArray("missing", null));
        assertNull(m.getArray("missing", null));
        assertNull(m.get("missing"));
        assertNull(m.type("missing"));
    }

    @Test
    void problemsNameTheKey() {
        assertMessage(() -> m.getString("missing"), "missing metadata key 'missing'");
        assertMessage(() -> m.getString("ctx"), "metadata key 'ctx' is UINT32, expected STRING");
        assertMessage(() -> m.getInt("none"), "metadata key 'none' = 4294967295 does not fit a 32-bit int");
        assertMessage(() -> m.getInt("big"), "'big' = 18446744073709551615 does not fit");
        assertMessage(() -> m.getFloat("name"), "metadata key 'name' is STRING, expected a number");
        assertMessage(() -> m.getStringArray("types"), "is an array of INT32, expected an array of STRING");
        assertMessage(() -> m.getFloatArray("types"), "expected an array of FLOAT32");
        assertMessage(() -> m.getBoolean("ctx", false), "metadata key 'ctx' is UINT32, expected BOOL");
    }

    @Test
    void returnedArraysAreCopies() {
        m.getIntArray("types")[0] = 99;
        assertEquals(1, m.getIntArray("types")[0]);
    }

    private static void assertMessage(Runnable r, String fragment) {
        ModelFileException e = assertThrows(ModelFileException.class, r::run);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
