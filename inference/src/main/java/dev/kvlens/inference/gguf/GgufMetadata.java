package dev.kvlens.inference.gguf;

import dev.kvlens.inference.ModelFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The key/value pairs of a GGUF header, in file order. Scalars are held as {@link Long} for every
 * integer type (unsigned types zero-extended; UINT64 as its raw bits), {@link Float} for FLOAT32,
 * {@link Double} for FLOAT64, {@link Boolean}, {@link String}, and {@link GgufArray} for arrays.
 * Typed getters throw {@link ModelFileException} naming the key when it is absent or of the wrong type.
 */
public final class GgufMetadata {

    /** Where each value came from, so that a wrong-type message can point at the file. */
    private record Entry(GgufValueType type, Object value, long offset) {}

    private final Path file;
    private final Map<String, Entry> entries;

    private GgufMetadata(Path file, Map<String, Entry> entries) {
        this.file = file;
        this.entries = Collections.unmodifiableMap(entries);
    }

    /** Collects entries in insertion order; rejects duplicate keys. */
    static final class Builder {
        private final Path file;
        private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

        Builder(Path file) {
            this.file = file;
        }

        boolean has(String key) {
            return entries.containsKey(key);
        }

        void put(String key, GgufValueType type, Object value, long offset) {
            checkStorage(type, value);
            if (entries.putIfAbsent(key, new Entry(type, value, offset)) != null) {
                throw new ModelFileException(file, offset, "duplicate metadata key '" + key + "'");
            }
        }

        GgufMetadata build() {
            return new GgufMetadata(file, new LinkedHashMap<>(entries));
        }
    }

    static Builder builder(Path file) {
        return new Builder(file);
    }

    /** Asserts the Java class matches the documented storage for {@code type}. */
    static void checkStorage(GgufValueType type, Object value) {
        boolean ok = switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> value instanceof Long;
            case FLOAT32 -> value instanceof Float;
            case FLOAT64 -> value instanceof Double;
            case BOOL -> value instanceof Boolean;
            case STRING -> value instanceof String;
            case ARRAY -> value instanceof GgufArray;
        };
        if (!ok) {
            throw new IllegalArgumentException("a GGUF " + type + " value cannot be a "
                    + (value == null ? "null" : value.getClass().getSimpleName()));
        }
    }

    public boolean has(String key) {
        return entries.containsKey(key);
    }

    /** The value, or null when absent. */
    public Object get(String key) {
        Entry e = entries.get(key);
        return e == null ? null : e.value;
    }

    /** The value's type, or null when absent. */
    public GgufValueType type(String key) {
        Entry e = entries.get(key);
        return e == null ? null : e.type;
    }

    /** Keys in file order. */
    public Set<String> keys() {
        return entries.keySet();
    }

    public int size() {
        return entries.size();
    }

    // ---- scalars ----

    public String getString(String key) {
        return (String) require(key, "STRING", GgufValueType.STRING).value;
    }

    public String getString(String key, String dflt) {
        return has(key) ? getString(key) : dflt;
    }

    /** Any integer type; UINT64 values above Long.MAX_VALUE come back as their raw (negative) bits. */
    public long getLong(String key) {
        Entry e = require(key, "an integer", null);
        if (!e.type.isInteger()) {
            throw wrongType(key, e, "an integer");
        }
        return (Long) e.value;
    }

    public long getLong(String key, long dflt) {
        return has(key) ? getLong(key) : dflt;
    }

    /** Any integer type whose value fits an int. */
    public int getInt(String key) {
        Entry e = require(key, "an integer", null);
        if (!e.type.isInteger()) {
            throw wrongType(key, e, "an integer");
        }
        long v = (Long) e.value;
        boolean unsignedHuge = e.type == GgufValueType.UINT64 && v < 0;
        if (unsignedHuge || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new ModelFileException(file, e.offset, "metadata key '" + key + "' = "
                    + (unsignedHuge ? Long.toUnsignedString(v) : Long.toString(v)) + " does not fit a 32-bit int");
        }
        return (int) v;
    }

    public int getInt(String key, int dflt) {
        return has(key) ? getInt(key) : dflt;
    }

    /** FLOAT32, FLOAT64 (rounded) or an integer type (converted). */
    public float getFloat(String key) {
        Entry e = require(key, "a number", null);
        return switch (e.value) {
            case Float f -> f;
            case Double d -> d.floatValue();
            // Halve with the low bit kept sticky so rounding stays correct for UINT64 above 2^63.
            case Long l when e.type == GgufValueType.UINT64 && l < 0 -> ((l >>> 1) | (l & 1)) * 2.0f;
            case Long l -> (float) l;
            default -> throw wrongType(key, e, "a number");
        };
    }

    public float getFloat(String key, float dflt) {
        return has(key) ? getFloat(key) : dflt;
    }

    public boolean getBoolean(String key) {
        return (Boolean) require(key, "BOOL", GgufValueType.BOOL).value;
    }

    public boolean getBoolean(String key, boolean dflt) {
        return has(key) ? getBoolean(key) : dflt;
    }

    // ---- arrays ----

    public GgufArray getArray(String key) {
        return (GgufArray) require(key, "ARRAY", GgufValueType.ARRAY).value;
    }

    /** The array, or {@code dflt} (typically null) when the key is absent. */
    public GgufArray getArray(String key, GgufArray dflt) {
        return has(key) ? getArray(key) : dflt;
    }

    /** A copy of a STRING array. */
    public String[] getStringArray(String key) {
        return ((String[]) typedArray(key, GgufValueType.STRING).values()).clone();
    }

    /** A copy of a STRING array, or {@code dflt} (typically null) when the key is absent. */
    public String[] getStringArray(String key, String[] dflt) {
        return has(key) ? getStringArray(key) : dflt;
    }

    /** A copy of a FLOAT32 array (FLOAT64 arrays are rounded to float). */
    public float[] getFloatArray(String key) {
        Entry e = require(key, "ARRAY", GgufValueType.ARRAY);
        GgufArray a = (GgufArray) e.value;
        return switch (a.values()) {
            case float[] f -> f.clone();
            case double[] d -> {
                float[] out = new float[d.length];
                for (int i = 0; i < d.length; i++) {
                    out[i] = (float) d[i];
                }
                yield out;
            }
            default -> throw new ModelFileException(file, e.offset, "metadata key '" + key
                    + "' is an array of " + a.elementType() + ", expected an array of FLOAT32");
        };
    }

    public float[] getFloatArray(String key, float[] dflt) {
        return has(key) ? getFloatArray(key) : dflt;
    }

    /** A copy of an integer array whose elements all fit an int (8-, 16- and 32-bit types; 64-bit if in range). */
    public int[] getIntArray(String key) {
        Entry e = require(key, "ARRAY", GgufValueType.ARRAY);
        GgufArray a = (GgufArray) e.value;
        GgufValueType t = a.elementType();
        int n = a.length();
        int[] out = new int[n];
        switch (a.values()) {
            case byte[] b when t != GgufValueType.BOOL -> {
                for (int i = 0; i < n; i++) {
                    out[i] = t == GgufValueType.UINT8 ? Byte.toUnsignedInt(b[i]) : b[i];
                }
            }
            case short[] s -> {
                for (int i = 0; i < n; i++) {
                    out[i] = t == GgufValueType.UINT16 ? Short.toUnsignedInt(s[i]) : s[i];
                }
            }
            case int[] v -> {
                for (int i = 0; i < n; i++) {
                    if (t == GgufValueType.UINT32 && v[i] < 0) {
                        throw new ModelFileException(file, e.offset, "metadata key '" + key + "' element " + i
                                + " = " + Integer.toUnsignedString(v[i]) + " does not fit a 32-bit int");
                    }
                    out[i] = v[i];
                }
            }
            case long[] v -> {
                for (int i = 0; i < n; i++) {
                    boolean unsignedHuge = t == GgufValueType.UINT64 && v[i] < 0;
                    if (unsignedHuge || v[i] < Integer.MIN_VALUE || v[i] > Integer.MAX_VALUE) {
                        throw new ModelFileException(file, e.offset, "metadata key '" + key + "' element " + i
                                + " does not fit a 32-bit int");
                    }
                    out[i] = (int) v[i];
                }
            }
            default -> throw new ModelFileException(file, e.offset, "metadata key '" + key
                    + "' is an array of " + t + ", expected an array of integers");
        }
        return out;
    }

    public int[] getIntArray(String key, int[] dflt) {
        return has(key) ? getIntArray(key) : dflt;
    }

    private GgufArray typedArray(String key, GgufValueType elementType) {
        Entry e = require(key, "ARRAY", GgufValueType.ARRAY);
        GgufArray a = (GgufArray) e.value;
        if (a.elementType() != elementType) {
            throw new ModelFileException(file, e.offset, "metadata key '" + key + "' is an array of "
                    + a.elementType() + ", expected an array of " + elementType);
        }
        return a;
    }

    private Entry require(String key, String expected, GgufValueType type) {
        Entry e = entries.get(key);
        if (e == null) {
            throw new ModelFileException(file, "missing metadata key '" + key + "' (expected " + expected + ")");
        }
        if (type != null && e.type != type) {
            throw wrongType(key, e, expected);
        }
        return e;
    }

    private ModelFileException wrongType(String key, Entry e, String expected) {
        return new ModelFileException(file, e.offset, "metadata key '" + key + "' is " + e.type
                + ", expected " + expected);
    }

    @Override
    public String toString() {
        return "GgufMetadata" + entries.keySet();
    }
}
