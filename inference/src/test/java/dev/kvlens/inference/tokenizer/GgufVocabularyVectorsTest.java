package dev.kvlens.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.gguf.GgufFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp's tokenizer test vectors (models/ggml-vocab-*.gguf.inp/.out, made with the Hugging Face
 * tokenizers): every input must encode (no BOS, no special parsing) to exactly the listed ids.
 */
class GgufVocabularyVectorsTest {

    static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));
    static final Path VOCABS = MODELS.resolve("ggml-vocab");

    static Tokenizer load(Path gguf) {
        try (GgufFile f = GgufFile.open(gguf)) {
            return Tokenizers.fromGguf(f.metadata(), gguf);
        }
    }

    /** The .inp inputs: separated by "\n__ggml_vocab_test__\n", the file ends with a separator. */
    static List<String> inputs(Path inp) throws IOException {
        String all = Files.readString(inp, StandardCharsets.UTF_8);
        String sep = "\n__ggml_vocab_test__\n";
        List<String> out = new ArrayList<>();
        int from = 0;
        while (true) {
            int at = all.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            out.add(all.substring(from, at));
            from = at + sep.length();
        }
        return out;
    }

    static List<int[]> outputs(Path out) throws IOException {
        List<int[]> ids = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            String t = line.trim();
            ids.add(t.isEmpty() ? new int[0] : Arrays.stream(t.split(" +")).mapToInt(Integer::parseInt).toArray());
        }
        return ids;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "gpt-2", "mpt", "falcon", "deepseek-coder", "deepseek-llm",
            "starcoder", "refact", "bert-bge"})
    void encodesLikeTheReference(String name) throws IOException {
        Path gguf = VOCABS.resolve("ggml-vocab-" + name + ".gguf");
        Tokenizer tok = load(gguf);
        List<String> in = inputs(Path.of(gguf + ".inp"));
        List<int[]> expected = outputs(Path.of(gguf + ".out"));
        assertEquals(46, in.size());
        assertEquals(in.size(), expected.size());
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            int[] got = tok.encode(in.get(i), false, false);
            if (!Arrays.equals(expected.get(i), got)) {
                failures.add("#" + i + " '" + in.get(i).replace("\n", "\\n") + "'\n   expected " + Arrays.toString(expected.get(i))
                        + "\n   got      " + Arrays.toString(got));
            }
        }
        assertTrue(failures.isEmpty(), name + ": " + failures.size() + " of " + in.size() + " differ:\n"
                + String.join("\n", failures));
    }

    /**
     * Byte-level BPE and SPM with byte fallback lose nothing, so the streamed pieces give the input
     * back; whole-text decoding too, except where llama.cpp's detokenizer cleans up spaces before
     * punctuation (clean_up_tokenization_spaces: gpt-2, mpt, falcon, starcoder, refact).
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "gpt-2", "mpt", "falcon", "deepseek-coder", "deepseek-llm",
            "starcoder", "refact"})
    void decodeInvertsEncode(String name) throws IOException {
        Path gguf = VOCABS.resolve("ggml-vocab-" + name + ".gguf");
        Tokenizer tok = load(gguf);
        boolean cleansSpaces = List.of("gpt-2", "mpt", "falcon", "starcoder", "refact").contains(name);
        List<String> failures = new ArrayList<>();
        for (String s : inputs(Path.of(gguf + ".inp"))) {
            String back = tok.decode(tok.encode(s, false, false));
            if (!cleansSpaces && !back.equals(s)) {
                failures.add("'" + s + "' -> '" + back + "'");
            }
            // streaming, one id at a time, must give the same text
            TokenDecoder d = tok.streamingDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : tok.encode(s, false, false)) {
                sb.append(d.accept(id));
            }
            sb.append(d.flush());
            if (!sb.toString().equals(s)) {
                failures.add("streamed '" + s + "' -> '" + sb + "'");
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /**
     * WordPiece lower-cases and drops accents and spaces, so only the words survive; llama.cpp's
     * detokenizer then removes the space before "!" (llama_detokenize gives " hello world!").
     */
    @org.junit.jupiter.api.Test
    void bertDecodesToLowercasedWords() {
        Tokenizer tok = load(VOCABS.resolve("ggml-vocab-bert-bge.gguf"));
        assertEquals(" hello world!", tok.decode(tok.encode("Hello World!", false, false)));
        int[] withSpecial = tok.encode("Hello", true, false);
        assertEquals(101, withSpecial[0]); // [CLS]
        assertEquals(102, withSpecial[withSpecial.length - 1]); // [SEP]
        assertEquals("bert (WordPiece)", tok.kind());
    }
}
