package dev.kvlens.inference.safetensors;

import java.util.Set;

/** Element formats of safetensors tensors that KV Lens computes with. */
public enum SafetensorsDtype {
    F32(4),
    F16(2),
    BF16(2);

    /** The other dtype names the safetensors format defines, so that they get a specific message. */
    static final Set<String> KNOWN_UNSUPPORTED = Set.of("F64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3",
            "F6_E3M2", "F4", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL", "C64");

    private final int byteSize;

    SafetensorsDtype(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The dtype with this header name, or null when it is not one of F32/F16/BF16. */
    static SafetensorsDtype byName(String name) {
        for (SafetensorsDtype d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }
}
