package dev.kvlens.inference.train;

import dev.kvlens.inference.gguf.GgufWriter;
import dev.kvlens.inference.gguf.LlamaHyperparameters;
import dev.kvlens.kernels.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes a trained model as a GGUF of architecture "llama" with the engine's {@link GgufWriter}:
 * the tensor names, ggml dims ({@code [cols, rows]}) and {@code llama.*} keys of {@code kvlens synth}
 * (which llama.cpp's llama loader reads), the trainer's RoPE (adjacent pairs, the GGUF llama layout,
 * so Q and K need no permutation), the tokenizer's {@code tokenizer.ggml.*} keys, and a model card.
 * Norm weights are always F32 (llama.cpp wants them so); the matrices are F32 or F16.
 */
public final class TeachingModelExporter {

    private TeachingModelExporter() {
    }

    /**
     * @param tokenizer writes the vocabulary's {@code tokenizer.ggml.*} keys (for instance
     *                  {@code TrainedVocabulary::writeTo}); its token count must be the trainer's vocabulary size
     * @param type      {@link GgmlType#F32} or {@link GgmlType#F16} for the matrices and embedding
     * @return the file size in bytes
     */
    public static long export(LlamaTrainer trainer, Consumer<GgufWriter> tokenizer, ModelCard card, GgmlType type,
                              Path out) {
        if (type != GgmlType.F32 && type != GgmlType.F16) {
            throw new IllegalArgumentException("the teaching model is written as F32 or F16, not " + type);
        }
        ModelShape s = trainer.shape();
        GgufWriter w = new GgufWriter();
        new LlamaHyperparameters(trainer.vocabularySize(), s.context(), s.dim(), s.layers(), s.ffn(), s.heads(),
                s.kvHeads(), s.headDim(), s.normEps(), s.ropeTheta()).writeTo(w);
        w.putString("general.name", card.name());
        w.putString("general.description", card.description());
        w.putUint32("general.file_type", type == GgmlType.F32 ? 0 : 1);
        for (Map.Entry<String, Object> fact : card.facts().entrySet()) {
            String key = "kvlens.training." + fact.getKey();
            switch (fact.getValue()) {
                case String v -> w.putString(key, v);
                case Integer v -> w.putInt64(key, v);
                case Long v -> w.putInt64(key, v);
                case Float v -> w.putFloat64(key, v);
                case Double v -> w.putFloat64(key, v);
                default -> throw new IllegalArgumentException("unexpected model card value " + fact.getValue());
            }
        }
        tokenizer.accept(w);
        for (LlamaParameter p : trainer.parameters()) {
            float[] values = trainer.engineRows(p.name());
            if (p.kind() == LlamaParameter.Kind.NORM) {
                w.addTensor(p.name(), GgmlType.F32, new long[] {p.cols()}, bytes(values, GgmlType.F32));
            } else {
                w.addTensor(p.name(), type, new long[] {p.cols(), p.rows()}, bytes(values, type));
            }
        }
        return w.write(out);
    }

    private static MemorySegment bytes(float[] values, GgmlType type) {
        if (type == GgmlType.F32) {
            MemorySegment m = MemorySegment.ofArray(new byte[values.length * 4]);
            for (int i = 0; i < values.length; i++) {
                m.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), i, values[i]);
            }
            return m;
        }
        MemorySegment m = MemorySegment.ofArray(new byte[values.length * 2]);
        for (int i = 0; i < values.length; i++) {
            m.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), i,
                    Float.floatToFloat16(values[i]));
        }
        return m;
    }
}
