package dev.kvlens.inference.gguf;

/** The type tags of GGUF metadata values, numbered as the file stores them. */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, -1),
    ARRAY(9, -1),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = values();

    private final int id;
    private final int fixedSize;

    GgufValueType(int id, int fixedSize) {
        this.id = id;
        this.fixedSize = fixedSize;
    }

    /** The number GGUF stores for this type. */
    public int id() {
        return id;
    }

    /** Bytes one value takes in the file, or -1 for STRING and ARRAY (variable length). */
    public int fixedSize() {
        return fixedSize;
    }

    /**
     * The fewest bytes one value of this type can take in a file; used to reject element counts
     * that the rest of the file could not possibly hold before anything is allocated.
     */
    public int minimumSize() {
        return switch (this) {
            case STRING -> 8;       // uint64 length, possibly zero bytes of text
            case ARRAY -> 12;       // uint32 element type + uint64 count
            default -> fixedSize;
        };
    }

    /** Whether values of this type are integers (stored as {@link Long} in metadata). */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** The type with this number, or null when GGUF has no such type. */
    public static GgufValueType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }
}
