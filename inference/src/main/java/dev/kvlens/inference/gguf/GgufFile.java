package dev.kvlens.inference.gguf;

import dev.kvlens.inference.ModelFileException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF model file, memory-mapped read-only. {@link #open} validates the whole header and every
 * tensor's byte range up front, so tensor data slices handed out later are always in bounds.
 * Tensor data is never copied; slices stay valid until {@link #close}.
 */
public final class GgufFile implements AutoCloseable {

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final GgufHeader header;
    private final Map<String, GgufTensorInfo> byName;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, GgufHeader header) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.header = header;
        this.byName = new HashMap<>();
        for (GgufTensorInfo t : header.tensors()) {
            byName.put(t.name(), t);
        }
    }

    /** Maps and validates {@code path}; any problem with the file is a {@link ModelFileException}. */
    public static GgufFile open(Path path) {
        if (Files.isDirectory(path)) {
            throw new ModelFileException(path, "is a folder, not a file");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment mapping;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            }
            GgufHeader header = GgufHeaderReader.read(path, mapping);
            return new GgufFile(path, arena, mapping, header);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new ModelFileException(path, "no such file", e);
        } catch (IOException e) {
            arena.close();
            throw new ModelFileException(path, "cannot read: " + e, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return header.version();
    }

    public long fileSize() {
        return mapping.byteSize();
    }

    /** Byte offset of the data section: the end of the header rounded up to {@link #alignment()}. */
    public long dataOffset() {
        return header.dataOffset();
    }

    public int alignment() {
        return header.alignment();
    }

    public GgufMetadata metadata() {
        return header.metadata();
    }

    /** Tensors in header order. */
    public List<GgufTensorInfo> tensors() {
        return header.tensors();
    }

    /** The tensor with this name, or null. */
    public GgufTensorInfo tensor(String name) {
        return byName.get(name);
    }

    /** The tensor's bytes: a slice of the mapping (not a copy), valid until {@link #close()}. */
    public MemorySegment tensorData(GgufTensorInfo t) {
        if (byName.get(t.name()) != t && !t.equals(byName.get(t.name()))) {
            throw new IllegalArgumentException("tensor " + t + " is not from " + path);
        }
        return mapping.asSlice(header.dataOffset() + t.offset(), t.byteSize());
    }

    /** {@code general.architecture}, e.g. "llama". */
    public String architecture() {
        return metadata().getString("general.architecture");
    }

    /** Unmaps the file; tensor data slices become invalid. */
    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version() + ", " + metadata().size() + " keys, "
                + tensors().size() + " tensors]";
    }
}
