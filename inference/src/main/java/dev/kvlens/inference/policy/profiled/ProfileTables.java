package dev.kvlens.inference.policy.profiled;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kvlens.inference.ModelFileException;
import dev.kvlens.inference.model.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Reads and writes {@link ProfileTable} JSON files, refusing files that do not fit the model or policy. */
public final class ProfileTables {

    public static final int VERSION = 1;

    /** Tables are small (L x H numbers); anything far larger is not one. */
    private static final long MAX_BYTES = 64L << 20;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private ProfileTables() {
    }

    public static void write(ProfileTable table, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            MAPPER.writeValue(tmp.toFile(), table);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write profile table " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the table of {@code policy} for a model of {@code config}'s shape.
     *
     * @throws ModelFileException naming what is wrong (missing, not JSON, other policy, other shape)
     */
    public static ProfileTable read(Path file, String policy) {
        ProfileTable t;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new ModelFileException(file, 0, "a profile table of " + size + " bytes (at most " + MAX_BYTES
                        + " expected)");
            }
            t = MAPPER.readValue(file.toFile(), ProfileTable.class);
        } catch (NoSuchFileException e) {
            throw new ModelFileException(file, 0, "no such profile table; run `kvlens profile --model M --policy "
                    + policy + " --out " + file + "` first");
        } catch (JacksonException e) {
            throw new ModelFileException(file, 0, "not a profile table (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new ModelFileException(file, 0, "cannot read the profile table: " + e.getMessage());
        }
        if (t == null || t.version() != VERSION) {
            throw new ModelFileException(file, 0, "profile table version " + (t == null ? "missing" : t.version())
                    + ", this build reads " + VERSION);
        }
        if (!policy.equals(t.policy())) {
            throw new ModelFileException(file, 0, "the profile table is for policy '" + t.policy() + "', not '"
                    + policy + "'; run `kvlens profile --policy " + policy + "`");
        }
        if (t.layers() < 1 || t.heads() < 1 || t.kvHeads() < 1 || t.heads() % t.kvHeads() != 0) {
            throw new ModelFileException(file, 0, "profile table shape " + t.layers() + " layers, " + t.heads()
                    + " heads, " + t.kvHeads() + " KV heads is not a model's");
        }
        return t;
    }

    /** Refuses a table profiled on a model of another shape. */
    public static void requireShape(ProfileTable t, ModelConfig c, String id) {
        if (t.layers() != c.layers() || t.heads() != c.heads() || t.kvHeads() != c.kvHeads()) {
            throw new IllegalArgumentException(id + ": the profile table was made for " + t.layers() + " layers x "
                    + t.heads() + " heads (" + t.kvHeads() + " KV heads) of " + t.model() + ", this model has "
                    + c.layers() + " x " + c.heads() + " (" + c.kvHeads() + "); run `kvlens profile` for it");
        }
    }

    /** Checks a {@code rows x cols} matrix read from a table. */
    static void requireMatrix(double[][] m, int rows, int cols, String what, String id) {
        boolean ok = m != null && m.length == rows;
        for (int i = 0; ok && i < rows; i++) {
            ok = m[i] != null && m[i].length == cols;
            for (int j = 0; ok && j < cols; j++) {
                ok = Double.isFinite(m[i][j]) && m[i][j] >= 0;
            }
        }
        if (!ok) {
            throw new IllegalArgumentException(id + ": the profile table's " + what + " is not a " + rows + " x " + cols
                    + " table of finite non-negative numbers");
        }
    }
}
