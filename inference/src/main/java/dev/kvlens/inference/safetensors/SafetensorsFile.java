package dev.kvlens.inference.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kvlens.inference.ModelFileException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face safetensors file, memory-mapped read-only: an 8-byte little-endian header length,
 * a JSON header ({@code __metadata__} plus one entry per tensor with dtype, shape and data_offsets
 * relative to the data section), then the data. {@link #open} validates every entry against the
 * data size, so tensor slices are always in bounds; they stay valid until {@link #close}.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Headers above this size are refused (the format's own reference reader uses the same cap). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private final Path path;
    private final Arena arena;
    private final long fileSize;
    private final long dataOffset;
    private final Map<String, String> metadata;
    private final Map<String, SafetensorsTensor> tensors;

    private SafetensorsFile(Path path, Arena arena, long fileSize, long dataOffset, Map<String, String> metadata,
                            Map<String, SafetensorsTensor> tensors) {
        this.path = path;
        this.arena = arena;
        this.fileSize = fileSize;
        this.dataOffset = dataOffset;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    /** Maps and validates {@code path}; any problem with the file is a {@link ModelFileException}. */
    public static SafetensorsFile open(Path path) {
        if (Files.isDirectory(path)) {
            throw new ModelFileException(path, "is a folder, not a file");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment mapping;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            }
            return parse(path, arena, mapping);
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

    private static SafetensorsFile parse(Path path, Arena arena, MemorySegment mapping) {
        long size = mapping.byteSize();
        if (size < 8) {
            throw new ModelFileException(path, 0, "truncated: expected 8 bytes for header length at byte 0, file has "
                    + size);
        }
        long headerLength = mapping.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new ModelFileException(path, 0, "header length " + Long.toUnsignedString(headerLength)
                    + " is over the " + MAX_HEADER_BYTES + "-byte limit (not a safetensors file?)");
        }
        if (headerLength > size - 8) {
            throw new ModelFileException(path, 8, "truncated: expected " + headerLength
                    + " bytes for JSON header at byte 8, file has " + size);
        }
        byte[] json = mapping.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        JsonNode header = SafetensorsJson.parseObject(path, 8, json, "header");

        long dataOffset = 8 + headerLength;
        MemorySegment data = mapping.asSlice(dataOffset);
        Map<String, String> metadata = Map.of();
        Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
        Map<String, long[]> ranges = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : header.properties()) {
            if (e.getKey().equals("__metadata__")) {
                metadata = readMetadata(path, e.getValue());
                continue;
            }
            SafetensorsTensor t = readTensor(path, e.getKey(), e.getValue(), data, ranges);
            tensors.put(t.name(), t);
        }
        checkOverlaps(path, dataOffset, ranges);
        return new SafetensorsFile(path, arena, size, dataOffset, metadata, Collections.unmodifiableMap(tensors));
    }

    private static Map<String, String> readMetadata(Path path, JsonNode node) {
        if (!node.isObject()) {
            throw new ModelFileException(path, 8, "__metadata__ is not a JSON object");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new ModelFileException(path, 8, "__metadata__ value for '" + e.getKey()
                        + "' is not a string");
            }
            m.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(m);
    }

    private static SafetensorsTensor readTensor(Path path, String name, JsonNode node, MemorySegment data,
                                                Map<String, long[]> ranges) {
        String what = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw new ModelFileException(path, 8, what + " entry is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new ModelFileException(path, 8, what + " has no dtype string");
        }
        String dtypeName = dtypeNode.textValue();
        SafetensorsDtype dtype = SafetensorsDtype.byName(dtypeName);
        if (dtype == null) {
            throw new ModelFileException(path, 8, what + " has dtype " + dtypeName
                    + (SafetensorsDtype.KNOWN_UNSUPPORTED.contains(dtypeName) ? ", which KV Lens does not support"
                            : ", which is not a safetensors dtype") + " (supported: F32, F16, BF16)");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new ModelFileException(path, 8, what + " has no shape array");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        boolean overflow = false;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = SafetensorsJson.nonNegativeLong(shapeNode.get(i));
            if (shape[i] < 0) {
                throw new ModelFileException(path, 8, what + " shape entry " + i + " (" + shapeNode.get(i)
                        + ") is not a non-negative 64-bit integer");
            }
            long hi = Math.multiplyHigh(elements, shape[i]);
            long lo = elements * shape[i];
            overflow |= hi != 0 || lo < 0;
            elements = lo;
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new ModelFileException(path, 8, what + " has no data_offsets [begin, end] pair");
        }
        long begin = SafetensorsJson.nonNegativeLong(offsets.get(0));
        long end = SafetensorsJson.nonNegativeLong(offsets.get(1));
        if (begin < 0 || end < 0 || end < begin) {
            throw new ModelFileException(path, 8, what + " has invalid data_offsets " + offsets);
        }
        long dataSize = data.byteSize();
        if (end > dataSize) {
            throw new ModelFileException(path, 8, what + " data_offsets [" + begin
                    + ", " + end + "] lie beyond the data section (" + dataSize + " bytes)");
        }
        if (overflow || elements > Long.MAX_VALUE / dtype.byteSize() || elements * dtype.byteSize() != end - begin) {
            throw new ModelFileException(path, 8, what + " shape " + java.util.Arrays.toString(shape) + " of "
                    + dtype + " needs " + (overflow || elements > Long.MAX_VALUE / dtype.byteSize()
                            ? "more than 2^63" : Long.toString(elements * dtype.byteSize()))
                    + " bytes but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        ranges.put(name, new long[] {begin, end});
        return new SafetensorsTensor(name, dtype, shape, data.asSlice(begin, end - begin));
    }

    private static void checkOverlaps(Path path, long dataOffset, Map<String, long[]> ranges) {
        List<Map.Entry<String, long[]>> sorted = new ArrayList<>(ranges.entrySet());
        sorted.removeIf(e -> e.getValue()[0] == e.getValue()[1]);
        sorted.sort(Comparator.comparingLong(e -> e.getValue()[0]));
        Map.Entry<String, long[]> furthest = null;
        for (Map.Entry<String, long[]> e : sorted) {
            if (furthest != null && e.getValue()[0] < furthest.getValue()[1]) {
                throw new ModelFileException(path, dataOffset + e.getValue()[0], "data of tensor '" + e.getKey()
                        + "' [" + e.getValue()[0] + ", " + e.getValue()[1] + "] overlaps tensor '"
                        + furthest.getKey() + "' [" + furthest.getValue()[0] + ", " + furthest.getValue()[1] + "]");
            }
            if (furthest == null || e.getValue()[1] > furthest.getValue()[1]) {
                furthest = e;
            }
        }
    }

    public Path path() {
        return path;
    }

    public long fileSize() {
        return fileSize;
    }

    /** Byte offset of the data section (8 + header length). */
    public long dataOffset() {
        return dataOffset;
    }

    /** The {@code __metadata__} strings (empty when absent), in header order. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in header order. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    /** Tensors in header order. */
    public List<SafetensorsTensor> tensors() {
        return List.copyOf(tensors.values());
    }

    /** The tensor with this name, or null. */
    public SafetensorsTensor tensor(String name) {
        return tensors.get(name);
    }

    /** Unmaps the file; tensor data slices become invalid. */
    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }
}
