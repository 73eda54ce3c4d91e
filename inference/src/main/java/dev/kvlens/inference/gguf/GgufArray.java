package dev.kvlens.inference.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * A GGUF array value. {@code values} is a primitive array matching {@code elementType}: byte[] for
 * UINT8/INT8/BOOL (BOOL as 0/1), short[] for UINT16/INT16, int[] for UINT32/INT32, long[] for
 * UINT64/INT64, float[] for FLOAT32, double[] for FLOAT64, String[] for STRING and GgufArray[] for
 * nested ARRAY. Unsigned values keep their raw bits. The array is shared, not copied: do not modify it.
 */
public record GgufArray(GgufValueType elementType, Object values) {

    public GgufArray {
        Objects.requireNonNull(elementType, "elementType");
        Objects.requireNonNull(values, "values");
        Class<?> expected = storageClass(elementType);
        if (values.getClass() != expected) {
            throw new IllegalArgumentException("a GGUF " + elementType + " array is stored as "
                    + expected.getSimpleName() + ", not " + values.getClass().getSimpleName());
        }
    }

    /** The Java array class that holds elements of {@code type}. */
    static Class<?> storageClass(GgufValueType type) {
        return switch (type) {
            case UINT8, INT8, BOOL -> byte[].class;
            case UINT16, INT16 -> short[].class;
            case UINT32, INT32 -> int[].class;
            case UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufArray[].class;
        };
    }

    /** Number of elements. */
    public int length() {
        return java.lang.reflect.Array.getLength(values);
    }

    // Records compare array components by identity; metadata round trips need content equality.
    @Override
    public boolean equals(Object o) {
        return o instanceof GgufArray other
                && elementType == other.elementType
                && Arrays.deepEquals(new Object[] {values}, new Object[] {other.values});
    }

    @Override
    public int hashCode() {
        return 31 * elementType.hashCode() + Arrays.deepHashCode(new Object[] {values});
    }

    @Override
    public String toString() {
        int n = length();
        StringBuilder sb = new StringBuilder(elementType.name()).append('[').append(n).append("]{");
        for (int i = 0; i < Math.min(n, 8); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(java.lang.reflect.Array.get(values, i));
        }
        return sb.append(n > 8 ? ", ...}" : "}").toString();
    }
}
