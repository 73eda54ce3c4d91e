package dev.kvlens.inference.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Builds safetensors files for tests: raw (any header text) or from tensors (a well-formed header). */
final class SafetensorsTestFiles {

    private SafetensorsTestFiles() {}

    /** 8-byte little-endian length of {@code header}, the header, then {@code data}. */
    static Path raw(Path file, String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return raw(file, h.length, h, data);
    }

    static Path raw(Path file, long declaredLength, byte[] header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(declaredLength).array());
        out.writeBytes(header);
        out.writeBytes(data);
        try {
            return Files.write(file, out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A well-formed file holding copies of {@code tensors}, packed in order. */
    static Path of(Path file, Map<String, String> metadata, List<SafetensorsTensor> tensors) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (SafetensorsTensor t : tensors) {
            ObjectNode n = root.putObject(t.name());
            n.put("dtype", t.dtype().name());
            long[] shape = t.shape();
            var s = n.putArray("shape");
            for (long d : shape) {
                s.add(d);
            }
            long begin = data.size();
            data.writeBytes(t.data().toArray(ValueLayout.JAVA_BYTE));
            n.putArray("data_offsets").add(begin).add(data.size());
        }
        return raw(file, root.toString(), data.toByteArray());
    }
}
