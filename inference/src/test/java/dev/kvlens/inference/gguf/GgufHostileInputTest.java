package dev.kvlens.inference.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kvlens.inference.ModelFileException;
import dev.kvlens.kernels.GgmlType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed and hostile GGUF headers must each give a specific {@link ModelFileException}. */
class GgufHostileInputTest {

    @TempDir
    Path dir;

    private int fileNo;

    private ModelFileException rejects(GgufTestBytes bytes, String expectedFragment) {
        Path file = bytes.writeTo(dir.resolve("bad" + (fileNo++) + ".gguf"));
        ModelFileException e = assertThrows(ModelFileException.class, () -> GgufFile.open(file).close());
        assertTrue(e.getMessage().contains(expectedFragment),
                () -> "message should contain \"" + expectedFragment + "\" but was: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), "message names the file: " + e.getMessage());
        return e;
    }

    /** A valid header with one UINT32 key, ready for tensor infos. */
    private static GgufTestBytes oneTensorHeader() {
        return new GgufTestBytes().header(3, 1, 1).key("general.architecture", GgufValueType.STRING).str("llama");
    }

    @Test
    void emptyFile() {
        rejects(new GgufTestBytes(), "truncated: expected 4 bytes for magic at byte 0, file has 0");
    }

    @Test
    void wrongMagic() {
        GgufTestBytes b = new GgufTestBytes().raw("ggjt".getBytes()).u32(3).u64(0).u64(0);
        ModelFileException e = rejects(b, "not a GGUF file (magic \"ggjt\"");
        assertEquals(0, e.offset());
    }

    @Test
    void versionOneIsNamed() {
        rejects(new GgufTestBytes().header(1, 0, 0), "unsupported GGUF version 1");
    }

    @Test
    void versionFourAndZeroAreNamed() {
        rejects(new GgufTestBytes().header(4, 0, 0), "unsupported GGUF version 4");
        rejects(new GgufTestBytes().header(0, 0, 0), "unsupported GGUF version 0");
    }

    @Test
    void bigEndianFileIsNamed() {
        rejects(new GgufTestBytes().header(Integer.reverseBytes(3), 0, 0), "big-endian GGUF");
    }

    @Test
    void truncatedCountGivesExactMessage() {
        GgufTestBytes b = new GgufTestBytes().raw("GGUF".getBytes()).u32(3).u32(0);
        ModelFileException e = rejects(b, "truncated: expected 8 bytes for tensor count at byte 8, file has 12");
        assertEquals(8, e.offset());
    }

    @Test
    void hugeKeyValueCount() {
        rejects(new GgufTestBytes().header(3, 0, 1L << 40), "truncated: 1099511627776 metadata key/value pairs");
    }

    @Test
    void hugeTensorCount() {
        rejects(new GgufTestBytes().header(3, 1L << 62, 0), "4611686018427387904 tensor infos need more than 2^63 bytes");
        rejects(new GgufTestBytes().header(3, 2, 0), "2 tensor infos need at least 48 bytes at byte 24, file has 24");
        rejects(new GgufTestBytes().header(3, -1L, 0), "18446744073709551615 tensor infos");
    }

    @Test
    void keyLengthTwoToTheSixty() {
        GgufTestBytes b = new GgufTestBytes().header(3, 0, 1).u64(1L << 60).raw(new byte[16]);
        rejects(b, "truncated: expected 1152921504606846976 bytes for metadata key #0 at byte 32, file has 48");
    }

    @Test
    void stringValueLengthAboveTwoToTheSixtyThree() {
        GgufTestBytes b = new GgufTestBytes().header(3, 0, 1).key("k", GgufValueType.STRING).u64(-1L).raw(new byte[4]);
        rejects(b, "truncated: expected 18446744073709551615 bytes for value of 'k'");
    }

    @Test
    void arrayCountTwoToTheForty() {
        GgufTestBytes bytes = new GgufTestBytes().header(3, 0, 1).key("a", GgufValueType.ARRAY)
                .u32(GgufValueType.UINT8.id()).u64(1L << 40).raw(new byte[64]);
        rejects(bytes, "truncated: 1099511627776 elements of UINT8 in array 'a'");
        GgufTestBytes strings = new GgufTestBytes().header(3, 0, 1).key("s", GgufValueType.ARRAY)
                .u32(GgufValueType.STRING.id()).u64(1L << 40).raw(new byte[64]);
        rejects(strings, "elements of STRING in array 's' need at least 8796093022208 bytes");
        GgufTestBytes arrays = new GgufTestBytes().header(3, 0, 1).key("n", GgufValueType.ARRAY)
                .u32(GgufValueType.ARRAY.id()).u64(1L << 40).raw(new byte[64]);
        rejects(arrays, "elements of ARRAY in array 'n'");
    }

    @Test
    void arrayOfStringsCountJustOverWhatFits() {
        // 3 empty strings need 24 bytes; only 23 follow.
        GgufTestBytes b = new GgufTestBytes().header(3, 0, 1).key("s", GgufValueType.ARRAY)
                .u32(GgufValueType.STRING.id()).u64(3).raw(new byte[23]);
        rejects(b, "3 elements of STRING in array 's' need at least 24 bytes");
    }

    private static GgufTestBytes nestedArrays(int depth) {
        GgufTestBytes b = new GgufTestBytes().header(3, 0, 1).key("deep", GgufValueType.ARRAY);
        for (int i = 1; i < depth; i++) {
            b.u32(GgufValueType.ARRAY.id()).u64(1);
        }
        return b.u32(GgufValueType.INT32.id()).u64(1).u32(7);
    }

    @Test
    void nestingDeeperThanEightIsRejected() {
        rejects(nestedArrays(9), "nests arrays deeper than 8 levels");
    }

    @Test
    void nestingOfEightIsRead() throws IOException {
        Path file = nestedArrays(8).writeTo(dir.resolve("deep8.gguf"));
        try (GgufFile f = GgufFile.open(file)) {
            GgufArray a = f.metadata().getArray("deep");
            for (int i = 1; i < 8; i++) {
                assertEquals(GgufValueType.ARRAY, a.elementType());
                a = ((GgufArray[]) a.values())[0];
            }
            assertEquals(GgufValueType.INT32, a.elementType());
            assertEquals(7, ((int[]) a.values())[0]);
        }
    }

    @Test
    void unknownValueType() {
        GgufTestBytes b = new GgufTestBytes().header(3, 0, 1).str("k").u32(13).u32(0);
        rejects(b, "metadata key 'k' has unknown value type 13");
    }

    @Test
    void unknownArrayElementType() {
        GgufTestBytes b = new GgufTestBytes().header(3, 0, 1).key("a", GgufValueType.ARRAY).u32(99).u64(0);
        rejects(b, "array 'a' has unknown element type 99");
    }

    @Test
    void boolOtherThanZeroOrOne() {
        GgufTestBytes b = new GgufTestBytes().header(3, 0, 1).key("flag", GgufValueType.BOOL).u8(2);
        rejects(b, "value of 'flag' is a BOOL with byte value 2");
    }

    @Test
    void duplicateKey() {
        GgufTestBytes b = new GgufTestBytes().header(3, 0, 2)
                .key("a", GgufValueType.UINT32).u32(1).key("a", GgufValueType.UINT32).u32(2);
        rejects(b, "duplicate metadata key 'a'");
    }

    @Test
    void alignmentNotAPowerOfTwoOrWrongType() {
        rejects(new GgufTestBytes().header(3, 0, 1).key("general.alignment", GgufValueType.UINT32).u32(48),
                "general.alignment = 48 is not a power of two");
        rejects(new GgufTestBytes().header(3, 0, 1).key("general.alignment", GgufValueType.UINT32).u32(0),
                "general.alignment = 0 is not a power of two");
        rejects(new GgufTestBytes().header(3, 0, 1).key("general.alignment", GgufValueType.INT32).u32(32),
                "'general.alignment' is INT32, expected UINT32");
    }

    @Test
    void fiveDimensions() {
        rejects(oneTensorHeader().tensorInfo("t", new long[] {1, 1, 1, 1, 1}, 0, 0).pad(32).raw(new byte[32]),
                "tensor 't' has 5 dimensions, at most 4");
    }

    @Test
    void dimsWithTwoToTheFortyElements() {
        rejects(oneTensorHeader().tensorInfo("big", new long[] {1L << 20, 1L << 20}, 0, 0).pad(32).raw(new byte[64]),
                "tensor 'big' has 1099511627776 elements of F32 (4398046511104 bytes), more than the whole file");
    }

    @Test
    void dimsWhoseProductOverflows() {
        rejects(oneTensorHeader().tensorInfo("o", new long[] {1L << 32, 1L << 32, 1L << 32}, 0, 0).pad(32),
                "tensor 'o' has dimensions [4294967296, 4294967296, 4294967296] whose element count overflows");
    }

    @Test
    void dimensionAboveTwoToTheSixtyThree() {
        rejects(oneTensorHeader().tensorInfo("n", new long[] {-2L}, 0, 0).pad(32),
                "tensor 'n' dimension 0 = 18446744073709551614 is too large");
    }

    @Test
    void unknownTensorTypeIdNamesTensorAndId() {
        rejects(oneTensorHeader().tensorInfo("blk.0.attn_q.weight", new long[] {4}, 99, 0).pad(32).raw(new byte[32]),
                "tensor 'blk.0.attn_q.weight' has unknown ggml type id 99");
        // 4 was Q4_2, removed from ggml: also unknown.
        rejects(oneTensorHeader().tensorInfo("w", new long[] {32}, 4, 0).pad(32).raw(new byte[32]),
                "tensor 'w' has unknown ggml type id 4");
    }

    @Test
    void rowLengthNotAMultipleOfTheBlock() {
        rejects(oneTensorHeader().tensorInfo("q", new long[] {33, 1}, GgmlType.Q8_0.id(), 0).pad(32).raw(new byte[64]),
                "tensor 'q' row length 33 is not a multiple of the Q8_0 block size 32");
    }

    @Test
    void tensorOffsetPastTheEnd() {
        rejects(oneTensorHeader().tensorInfo("t", new long[] {4}, 0, 1L << 40).pad(32).raw(new byte[16]),
                "tensor 't' data offset 1099511627776 lies beyond the end of the file");
        GgufTestBytes b = oneTensorHeader().tensorInfo("t", new long[] {8}, 0, 64);
        b.pad(32).raw(new byte[64 + 16]);   // the tensor needs bytes 64..96 of the data section; 80 exist
        int dataStart = b.size() - 80;
        rejects(b, "truncated: expected 32 bytes for data of tensor 't' at byte " + (dataStart + 64)
                + ", file has " + (dataStart + 80));
    }

    @Test
    void tensorOffsetNotAligned() {
        rejects(oneTensorHeader().tensorInfo("t", new long[] {4}, 0, 4).pad(32).raw(new byte[32]),
                "tensor 't' data offset 4 is not a multiple of the alignment 32");
    }

    @Test
    void overlappingTensors() {
        GgufTestBytes b = new GgufTestBytes().header(3, 3, 0)
                .tensorInfo("a", new long[] {16}, 0, 0)      // bytes 0..64
                .tensorInfo("b", new long[] {0}, 0, 32)      // empty: overlaps nothing
                .tensorInfo("c", new long[] {8}, 0, 32)      // bytes 32..64: inside a
                .pad(32).raw(new byte[128]);
        rejects(b, "data of tensor 'c' (bytes 32..64 of the data section) overlaps tensor 'a' (bytes 0..64)");
    }

    @Test
    void duplicateTensorName() {
        GgufTestBytes b = new GgufTestBytes().header(3, 2, 0)
                .tensorInfo("a", new long[] {8}, 0, 0).tensorInfo("a", new long[] {8}, 0, 32)
                .pad(32).raw(new byte[64]);
        rejects(b, "duplicate tensor name 'a'");
    }

    /** A small but complete file: every scalar type, a string array, two tensors. */
    private Path smallValidFile() {
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "llama")
                .putUint8("u8", 200).putInt8("i8", -5).putUint16("u16", 60000).putInt16("i16", -300)
                .putUint32("u32", 4_000_000_000L).putInt32("i32", -7).putUint64("u64", -1L).putInt64("i64", -9)
                .putFloat32("f32", 1.5f).putFloat64("f64", -2.25).putBool("b", true)
                .putArray("names", new GgufArray(GgufValueType.STRING, new String[] {"x", "yz", ""}))
                .putArray("nested", new GgufArray(GgufValueType.ARRAY, new GgufArray[] {
                        new GgufArray(GgufValueType.INT16, new short[] {1, 2})}));
        w.addTensor("t0", GgmlType.F32, new long[] {3, 2}, new byte[24]);
        w.addTensor("t1", GgmlType.F16, new long[] {5}, new byte[10]);
        Path file = dir.resolve("valid.gguf");
        w.write(file);
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(2, f.tensors().size());
        }
        return file;
    }

    @Test
    void everyTruncationIsAModelFileException() throws IOException {
        Path valid = smallValidFile();
        byte[] full = Files.readAllBytes(valid);
        long needed;    // the trailing padding after the last tensor is not required
        try (GgufFile f = GgufFile.open(valid)) {
            GgufTensorInfo last = f.tensor("t1");
            needed = f.dataOffset() + last.offset() + last.byteSize();
        }
        Path cut = dir.resolve("cut.gguf");
        for (int len = 0; len < needed; len++) {
            Files.write(cut, Arrays.copyOf(full, len));
            try {
                GgufFile.open(cut).close();
                fail("a file cut to " + len + " of " + full.length + " bytes was accepted");
            } catch (ModelFileException expected) {
                assertTrue(expected.getMessage().contains("truncated"),
                        "cut at " + len + ": " + expected.getMessage());
            }
        }
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherException() throws IOException {
        byte[] full = Files.readAllBytes(smallValidFile());
        Random random = new Random(20240611);
        Path bad = dir.resolve("corrupt.gguf");
        int rejected = 0;
        for (int round = 0; round < 3000; round++) {
            byte[] b = full.clone();
            int flips = 1 + random.nextInt(4);
            for (int i = 0; i < flips; i++) {
                int at = random.nextInt(b.length);
                b[at] = switch (random.nextInt(3)) {
                    case 0 -> (byte) random.nextInt(256);
                    case 1 -> (byte) 0xff;
                    default -> (byte) (b[at] ^ (1 << random.nextInt(8)));
                };
            }
            Files.write(bad, b);
            try {
                GgufFile.open(bad).close();
            } catch (ModelFileException expected) {
                rejected++;
            }
        }
        assertTrue(rejected > 0, "no corrupted file was refused");
    }

    @Test
    void missingFileIsAModelFileException() {
        Path missing = dir.resolve("nope.gguf");
        ModelFileException e = assertThrows(ModelFileException.class, () -> GgufFile.open(missing));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
        ModelFileException folder = assertThrows(ModelFileException.class, () -> GgufFile.open(dir));
        assertTrue(folder.getMessage().contains("is a folder, not a file"), folder.getMessage());
    }
}
