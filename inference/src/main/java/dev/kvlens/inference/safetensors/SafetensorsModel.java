package dev.kvlens.inference.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kvlens.inference.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The weights of a Hugging Face model folder as one namespace: either a single
 * {@code model.safetensors} or the shards listed by {@code model.safetensors.index.json}
 * ({@code weight_map}: tensor name to shard file name). Shards are opened once each and stay mapped
 * until {@link #close}.
 */
public final class SafetensorsModel implements AutoCloseable {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path source;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsTensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsModel(Path source, List<SafetensorsFile> files, Map<String, SafetensorsTensor> tensors,
                             Map<String, String> metadata) {
        this.source = source;
        this.files = List.copyOf(files);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /**
     * Opens {@code path}: a model folder (index preferred, then {@code model.safetensors}, then its
     * only {@code *.safetensors} file), an index JSON file, or a single safetensors file.
     */
    public static SafetensorsModel open(Path path) {
        if (Files.isDirectory(path)) {
            Path index = path.resolve(INDEX_FILE);
            if (Files.isRegularFile(index)) {
                return openIndex(index);
            }
            Path single = path.resolve(SINGLE_FILE);
            if (Files.isRegularFile(single)) {
                return openSingle(single);
            }
            List<Path> candidates;
            try (Stream<Path> s = Files.list(path)) {
                candidates = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            } catch (IOException e) {
                throw new ModelFileException(path, "cannot list folder: " + e, e);
            }
            if (candidates.size() != 1) {
                throw new ModelFileException(path, "no " + INDEX_FILE + " or " + SINGLE_FILE + " here, and "
                        + candidates.size() + " other .safetensors files (expected exactly one)");
            }
            return openSingle(candidates.getFirst());
        }
        return path.getFileName().toString().endsWith(".json") ? openIndex(path) : openSingle(path);
    }

    private static SafetensorsModel openSingle(Path file) {
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
        for (SafetensorsTensor t : f.tensors()) {
            tensors.put(t.name(), t);
        }
        return new SafetensorsModel(file, List.of(f), tensors, f.metadata());
    }

    private static SafetensorsModel openIndex(Path index) {
        long size;
        try {
            size = Files.size(index);
        } catch (IOException e) {
            throw new ModelFileException(index, "cannot read: " + e, e);
        }
        if (size > SafetensorsFile.MAX_HEADER_BYTES) {
            throw new ModelFileException(index, "index is " + size + " bytes, over the "
                    + SafetensorsFile.MAX_HEADER_BYTES + "-byte limit");
        }
        byte[] json;
        try {
            json = Files.readAllBytes(index);
        } catch (IOException e) {
            throw new ModelFileException(index, "cannot read: " + e, e);
        }
        JsonNode root = SafetensorsJson.parseObject(index, 0, json, "index");
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new ModelFileException(index, "index has no weight_map object");
        }
        Path dir = index.toAbsolutePath().getParent();
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        try {
            Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
                String name = e.getKey();
                if (!e.getValue().isTextual()) {
                    throw new ModelFileException(index, "weight_map entry for '" + name + "' is not a file name");
                }
                String shardName = e.getValue().textValue();
                checkShardName(index, name, shardName);
                SafetensorsFile shard = shards.get(shardName);
                if (shard == null) {
                    Path shardPath = dir.resolve(shardName);
                    if (!Files.isRegularFile(shardPath)) {
                        throw new ModelFileException(index, "weight_map puts '" + name + "' in shard " + shardName
                                + ", which does not exist");
                    }
                    shard = SafetensorsFile.open(shardPath);
                    shards.put(shardName, shard);
                }
                SafetensorsTensor t = shard.tensor(name);
                if (t == null) {
                    throw new ModelFileException(index, "weight_map puts '" + name + "' in shard " + shardName
                            + ", which has no such tensor");
                }
                tensors.put(name, t);
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            for (SafetensorsFile shard : shards.values()) {
                shard.metadata().forEach(metadata::putIfAbsent);
            }
            return new SafetensorsModel(index, new ArrayList<>(shards.values()), tensors, metadata);
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** A shard must be a plain file name in the index's folder: a hostile index must not reach elsewhere. */
    private static void checkShardName(Path index, String tensor, String shard) {
        if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals(".")
                || shard.equals("..") || shard.indexOf('\0') >= 0) {
            throw new ModelFileException(index, "weight_map entry for '" + tensor + "' names shard '" + shard
                    + "', which is not a plain file name in the model folder");
        }
    }

    /** The file the model was opened from: the single safetensors file or the index. */
    public Path source() {
        return source;
    }

    /** The opened files (one, or each shard once). */
    public List<SafetensorsFile> files() {
        return files;
    }

    /** {@code __metadata__} of the file, or of all shards merged (first shard wins on conflicts). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names: header order for one file, weight_map order for shards. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    /** The tensor with this name, or null. */
    public SafetensorsTensor tensor(String name) {
        return tensors.get(name);
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }

    @Override
    public String toString() {
        return "SafetensorsModel[" + source + ", " + files.size() + " file(s), " + tensors.size() + " tensors]";
    }
}
