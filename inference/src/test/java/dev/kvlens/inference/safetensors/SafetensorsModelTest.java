package dev.kvlens.inference.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsModelTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../shared/models"));
    private static final Path TINYSTORIES_DIR = MODELS.resolve("tinystories-656k");

    @TempDir
    Path dir;

    @Test
    void singleFileFolder() {
        try (SafetensorsModel m = SafetensorsModel.open(TINYSTORIES_DIR)) {
            assertEquals(1, m.files().size());
            assertEquals(20, m.names().size());
            assertEquals("lm_head.weight", m.metadata().get("model.embed_tokens.weight"));
            assertEquals(0.14453125f, m.tensor("lm_head.weight").data().getAtIndex(
                    java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 50));
        }
    }

    /** Splits tinystories-656k into three shards plus an index, as Hugging Face saves large models. */
    private Path shardedCopy() throws IOException {
        Map<String, String> weightMap = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(TINYSTORIES_DIR.resolve("model.safetensors"))) {
            List<List<SafetensorsTensor>> shards = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            List<SafetensorsTensor> all = f.tensors();
            for (int i = 0; i < all.size(); i++) {
                shards.get(i % 3).add(all.get(i));
            }
            for (int s = 0; s < 3; s++) {
                String name = "model-0000" + (s + 1) + "-of-00003.safetensors";
                SafetensorsTestFiles.of(dir.resolve(name), s == 0 ? f.metadata() : Map.of("format", "pt"),
                        shards.get(s));
                for (SafetensorsTensor t : shards.get(s)) {
                    weightMap.put(t.name(), name);
                }
            }
        }
        writeIndex(weightMap);
        return dir;
    }

    private void writeIndex(Map<String, String> weightMap) throws IOException {
        StringBuilder json = new StringBuilder("{\"metadata\":{\"total_size\":2624000},\"weight_map\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            json.append(first ? "" : ",").append('"').append(e.getKey()).append("\":\"").append(e.getValue()).append('"');
            first = false;
        }
        Files.writeString(dir.resolve(SafetensorsModel.INDEX_FILE), json.append("}}"));
    }

    @Test
    void shardsFormOneNamespaceWithTheOriginalBytes() throws IOException {
        Path folder = shardedCopy();
        try (SafetensorsModel sharded = SafetensorsModel.open(folder);
             SafetensorsFile original = SafetensorsFile.open(TINYSTORIES_DIR.resolve("model.safetensors"))) {
            assertEquals(3, sharded.files().size());
            assertEquals(20, sharded.names().size());
            assertEquals("lm_head.weight", sharded.metadata().get("model.embed_tokens.weight"));
            for (SafetensorsTensor t : original.tensors()) {
                SafetensorsTensor s = sharded.tensor(t.name());
                assertEquals(t.dtype(), s.dtype(), t.name());
                assertTrue(java.util.Arrays.equals(t.shape(), s.shape()), t.name());
                assertEquals(-1, t.data().mismatch(s.data()), t.name());
            }
        }
        try (SafetensorsModel viaIndexFile = SafetensorsModel.open(folder.resolve(SafetensorsModel.INDEX_FILE))) {
            assertEquals(20, viaIndexFile.names().size());
        }
    }

    private void assertIndexRejected(Map<String, String> weightMap, String fragment) throws IOException {
        writeIndex(weightMap);
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafetensorsModel.open(dir).close());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void badIndexes() throws IOException {
        shardedCopy();
        assertIndexRejected(Map.of("lm_head.weight", "model-00009-of-00003.safetensors"),
                "weight_map puts 'lm_head.weight' in shard model-00009-of-00003.safetensors, which does not exist");
        assertIndexRejected(Map.of("lm_head.weight", "model-00002-of-00003.safetensors"),
                "weight_map puts 'lm_head.weight' in shard model-00002-of-00003.safetensors, which has no such tensor");
        assertIndexRejected(Map.of("lm_head.weight", "../tinystories-656k/model.safetensors"),
                "names shard '../tinystories-656k/model.safetensors', which is not a plain file name");
        Files.writeString(dir.resolve(SafetensorsModel.INDEX_FILE), "{\"metadata\":{}}");
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafetensorsModel.open(dir));
        assertTrue(e.getMessage().contains("index has no weight_map object"), e.getMessage());
        Files.writeString(dir.resolve(SafetensorsModel.INDEX_FILE), "{\"weight_map\":");
        e = assertThrows(ModelFileException.class, () -> SafetensorsModel.open(dir));
        assertTrue(e.getMessage().contains("index is not valid JSON"), e.getMessage());
    }

    @Test
    void folderWithoutWeights() {
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafetensorsModel.open(dir));
        assertTrue(e.getMessage().contains("0 other .safetensors files"), e.getMessage());
    }
}
