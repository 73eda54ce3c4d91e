package dev.kvlens.inference.gguf;

import java.util.List;

/** Everything a GGUF file holds before its tensor data, as validated by {@link GgufHeaderReader}. */
record GgufHeader(int version, GgufMetadata metadata, List<GgufTensorInfo> tensors, int alignment, long dataOffset) {}
