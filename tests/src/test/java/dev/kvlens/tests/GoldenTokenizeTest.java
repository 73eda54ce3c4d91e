package dev.kvlens.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code kvlens tokenize} against the llama.cpp tokenizer test vectors ({@code .inp}/{@code .out},
 * made with Hugging Face tokenizers without special tokens): the command adds BOS in front.
 */
class GoldenTokenizeTest {

    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    private static List<DynamicTest> cases(Path model, Path vectors, int bos) throws Exception {
        String inp = Files.readString(Path.of(vectors + ".inp"), StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>(Arrays.asList(inp.split(SEPARATOR, -1)));
        // The file ends with a separator (and a newline), leaving an empty last element.
        if (texts.getLast().isBlank()) {
            texts.removeLast();
        }
        List<String> outs = Files.readAllLines(Path.of(vectors + ".out"), StandardCharsets.UTF_8);
        assertEquals(texts.size(), outs.size(), "one .out line per .inp text");
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            String ids = outs.get(i).strip();
            String expected = "[" + bos + (ids.isEmpty() ? "" : "," + ids.replaceAll("\\s+", ",")) + "]";
            tests.add(DynamicTest.dynamicTest("#" + i + " " + printable(text), () -> {
                KvLens.Run r = KvLens.run("tokenize", "--model", model.toString(), "--text", text);
                assertEquals(0, r.exitCode(), r.err());
                assertEquals(expected, r.out().strip());
            }));
        }
        return tests;
    }

    private static String printable(String s) {
        String shown = s.codePoints().limit(30)
                .mapToObj(c -> c < 32 ? String.format("\\x%02x", c) : Character.toString(c))
                .collect(Collectors.joining());
        return "'" + shown + "'";
    }

    @TestFactory
    List<DynamicTest> llamaSpmVocabulary() throws Exception {
        Path vocab = KvLens.MODELS.resolve("ggml-vocab/ggml-vocab-llama-spm.gguf");
        return cases(vocab, vocab, 1);
    }

    @TestFactory
    List<DynamicTest> tinyStoriesTokenizerJson() throws Exception {
        Path folder = KvLens.MODELS.resolve("tinystories-656k");
        return cases(folder, folder.resolve("tokenizer.json"), 1);
    }
}
