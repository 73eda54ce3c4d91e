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
}
