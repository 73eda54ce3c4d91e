package dev.kvlens.inference.gguf;

import dev.kvlens.kernels.GgmlType;
import java.util.Arrays;

/**
 * One tensor's entry in a GGUF header.
 *
 * @param name     tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param typeId   the element format number as stored
 * @param type     that format, or null when ggml has no such type id
 * @param dims     sizes in ggml order: {@code dims[0]} (ne0) is the row length, the fastest-varying index
 * @param offset   start of the data relative to the file's data section
 * @param byteSize bytes the data takes
 */
public record GgufTensorInfo(String name, int typeId, GgmlType type, long[] dims, long offset, long byteSize) {

    public GgufTensorInfo {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** Size along ggml dimension {@code i} (1 beyond the rank, as ggml pads shapes). */
    public long dim(int i) {
        return i < dims.length ? dims[i] : 1;
    }

    /** Total number of elements (the header parser has checked it does not overflow). */
    public long elements() {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && typeId == t.typeId
                && Arrays.equals(dims, t.dims) && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return name + " " + (type != null ? type.name() : "type#" + typeId) + " " + Arrays.toString(dims)
                + " @" + offset + " (" + byteSize + " bytes)";
    }
}
