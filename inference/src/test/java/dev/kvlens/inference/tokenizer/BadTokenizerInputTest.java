package dev.kvlens.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.ModelFileException;
import dev.kvlens.inference.gguf.GgufArray;
import dev.kvlens.inference.gguf.GgufFile;
import dev.kvlens.inference.gguf.GgufValueType;
import dev.kvlens.inference.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken vocabularies and tokenizer.json files fail with a message that says what is wrong. */
class BadTokenizerInputTest {

    @TempDir
    Path tmp;

    private Path gguf(Consumer<GgufWriter> fill) {
        GgufWriter w = new GgufWriter();
        fill.accept(w);
        Path p = tmp.resolve("bad.gguf");
        w.write(p);
        return p;
    }

    private static GgufArray strings(String... s) {
        return new GgufArray(GgufValueType.STRING, s);
    }

    private static ModelFileException fromGguf(Path p) {
        return assertThrows(ModelFileException.class, () -> {
            try (GgufFile f = GgufFile.open(p)) {
                Tokenizers.fromGguf(f.metadata(), p);
            }
        });
    }

    private static void assertMessage(ModelFileException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' lacks '" + part + "'");
        }
    }

    @Test
    void missingTokens() {
        Path p = gguf(w -> w.putString("tokenizer.ggml.model", "llama"));
        assertMessage(fromGguf(p), "missing tokenizer.ggml.tokens");
    }

    @Test
    void scoresLengthMismatch() {
        Path p = gguf(w -> w.putString("tokenizer.ggml.model", "llama")
                .putArray("tokenizer.ggml.tokens", strings("<unk>", "<s>", "</s>"))
                .putArray("tokenizer.ggml.scores", new GgufArray(GgufValueType.FLOAT32, new float[] {0f, 0f})));
        assertMessage(fromGguf(p), "tokenizer.ggml.scores has 2 entries", "tokenizer.ggml.tokens has 3");
    }

    @Test
    void tokenTypeLengthMismatch() {
        Path p = gguf(w -> w.putString("tokenizer.ggml.model", "llama")
                .putArray("tokenizer.ggml.tokens", strings("<unk>", "<s>", "</s>"))
                .putArray("tokenizer.ggml.token_type", new GgufArray(GgufValueType.INT32, new int[] {2, 3, 3, 1})));
        assertMessage(fromGguf(p), "tokenizer.ggml.token_type has 4 entries");
    }

    @Test
    void unknownModel() {
        Path p = gguf(w -> w.putString("tokenizer.ggml.model", "xyz").putArray("tokenizer.ggml.tokens", strings("a")));
        assertMessage(fromGguf(p), "unknown tokenizer.ggml.model 'xyz'");
    }

    @Test
    void unknownPreTokenizer() {
        Path p = gguf(w -> w.putString("tokenizer.ggml.model", "gpt2").putString("tokenizer.ggml.pre", "abc")
                .putArray("tokenizer.ggml.tokens", strings("a", "b", "ab"))
                .putArray("tokenizer.ggml.merges", strings("a b")));
        assertMessage(fromGguf(p), "unknown pre-tokenizer 'abc'");
    }

    @Test
    void bpeWithoutMerges() {
        Path p = gguf(w -> w.putString("tokenizer.ggml.model", "gpt2").putString("tokenizer.ggml.pre", "gpt-2")
                .putArray("tokenizer.ggml.tokens", strings("a", "b")));
        assertMessage(fromGguf(p), "missing tokenizer.ggml.merges");
    }

    /** A hand-made BPE vocabulary works, and a missing pre key falls back to 'default' and says so. */
    @Test
    void tinyBpeVocabularyAndDefaultPreTokenizer() {
        Path p = gguf(w -> w.putString("tokenizer.ggml.model", "gpt2")
                .putArray("tokenizer.ggml.tokens", strings("a", "b", "ab", "Ġ", "Ġab"))
                .putArray("tokenizer.ggml.merges", strings("a b", "Ġ ab")));
        Tokenizer tok;
        try (GgufFile f = GgufFile.open(p)) {
            tok = Tokenizers.fromGguf(f.metadata(), p);
        }
        assertTrue(tok.kind().contains("pre: default, because tokenizer.ggml.pre is missing"), tok.kind());
        // "ab ab": merges a+b (rank 0) then Ġ+ab (rank 1) for the second word
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {2, 4}, tok.encode("ab ab", false, false));
        org.junit.jupiter.api.Assertions.assertEquals("ab ab", tok.decode(new int[] {2, 4}));
    }

    private Path hfDir(String tokenizerJson) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("hf"));
        Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson);
        return dir;
    }

    @Test
    void malformedJson() throws IOException {
        Path dir = hfDir("{\"model\": {\"type\": \"BPE\", ");
        assertMessage(assertThrows(ModelFileException.class, () -> Tokenizers.fromHuggingFace(dir)), "malformed JSON");
    }

    @Test
    void missingVocab() throws IOException {
        Path dir = hfDir("{\"model\": {\"type\": \"BPE\", \"merges\": []}}");
        assertMessage(assertThrows(ModelFileException.class, () -> Tokenizers.fromHuggingFace(dir)), "'model.vocab'");
    }

    @Test
    void mergeOutsideVocabulary() throws IOException {
        Path dir = hfDir("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}}");
        assertMessage(assertThrows(ModelFileException.class, () -> Tokenizers.fromHuggingFace(dir)),
                "model.merges[0]", "'ab'");
    }

    @Test
    void unsupportedModelType() throws IOException {
        Path dir = hfDir("{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        assertMessage(assertThrows(ModelFileException.class, () -> Tokenizers.fromHuggingFace(dir)), "'Unigram'");
    }

    @Test
    void missingTokenizerJson() {
        assertMessage(assertThrows(ModelFileException.class, () -> Tokenizers.fromHuggingFace(tmp)), "no tokenizer.json");
    }

    /** Merges given as [a, b] arrays work like "a b" strings. */
    @Test
    void arrayMerges() throws IOException {
        Path dir = hfDir("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [[\"a\", \"b\"]]}}");
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {2, 0}, Tokenizers.fromHuggingFace(dir).encode("aba", false, false));
    }
}
