package dev.kvlens.inference.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.kernels.GgmlType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offsets past 2^31 must work: a sparse file with its one tensor near the 3 GB end. */
class GgufLargeFileTest {

    @TempDir
    Path dir;

    @Test
    void tensorBeyondTwoGigabytes() throws IOException {
        long tensorOffset = (1L << 31) + (1L << 29);           // 2.5 GiB into the data section
        long[] dims = {1024, 4};
        long tensorBytes = 1024L * 4 * 4;
        GgufTestBytes header = new GgufTestBytes().header(3, 1, 1)
                .key("general.architecture", GgufValueType.STRING).str("llama")
                .tensorInfo("far.weight", dims, GgmlType.F32.id(), tensorOffset)
                .pad(32);
        long dataOffset = header.size();
        long fileSize = dataOffset + tensorOffset + tensorBytes;
        Path file = dir.resolve("sparse.gguf");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(fileSize);                           // sparse: no disk blocks for the hole
            raf.write(header.bytes());
            raf.seek(fileSize - 4);
            raf.write(new GgufTestBytes().f32(6.5f).bytes());  // the very last float of the tensor
        }
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(fileSize, f.fileSize());
            assertTrue(f.fileSize() > (1L << 31) + (1L << 29));
            assertEquals(dataOffset, f.dataOffset());
            GgufTensorInfo t = f.tensor("far.weight");
            assertEquals(tensorOffset, t.offset());
            MemorySegment data = f.tensorData(t);
            assertEquals(tensorBytes, data.byteSize());
            assertEquals(6.5f, data.getAtIndex(GgufCursor.F32, t.elements() - 1));
            assertEquals(0f, data.getAtIndex(GgufCursor.F32, 0));
        }
    }

    @Test
    void writerProducesATensorBeyondTwoGigabytesWithoutHeapCopies() {
        long[] dims = {1024, 557_056};                        // 2^29 + 2^25 floats = 2.125 GiB
        long elements = dims[0] * dims[1];
        Path file = dir.resolve("big.gguf");
        long written = new GgufWriter().putString("general.architecture", "llama")
                .addTensor("small", GgmlType.F32, new long[] {2}, new byte[8])
                .addTensor("huge", GgmlType.F32, dims, target -> {
                    // Touch only the ends: the rest stays a hole in a sparse file.
                    target.setAtIndex(GgufCursor.F32, 0, 1.25f);
                    target.setAtIndex(GgufCursor.F32, elements - 1, -3.5f);
                })
                .write(file);
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(written, f.fileSize());
            GgufTensorInfo t = f.tensor("huge");
            assertEquals(32, t.offset());
            assertEquals(elements * 4, t.byteSize());
            assertTrue(f.dataOffset() + t.offset() + t.byteSize() > (1L << 31));
            MemorySegment data = f.tensorData(t);
            assertEquals(1.25f, data.getAtIndex(GgufCursor.F32, 0));
            assertEquals(-3.5f, data.getAtIndex(GgufCursor.F32, elements - 1));
            assertEquals(0f, data.getAtIndex(GgufCursor.F32, elements / 2));
        }
    }
}
