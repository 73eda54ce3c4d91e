package dev.kvlens.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** tinystories-656k's tokenizer.json against outputs of the Hugging Face tokenizers library. */
class HuggingFaceTinyStoriesTest {

    static final Path DIR = GgufVocabularyVectorsTest.MODELS.resolve("tinystories-656k");
    static final Tokenizer TOK = Tokenizers.fromHuggingFace(DIR);

    @Test
    void encodesLikeTheReference() throws IOException {
        List<String> in = GgufVocabularyVectorsTest.inputs(DIR.resolve("tokenizer.json.inp"));
        List<int[]> expected = GgufVocabularyVectorsTest.outputs(DIR.resolve("tokenizer.json.out"));
        assertEquals(46, in.size());
        assertEquals(in.size(), expected.size());
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            int[] got = TOK.encode(in.get(i), false, false);
            if (!Arrays.equals(expected.get(i), got)) {
                failures.add("#" + i + " expected " + Arrays.toString(expected.get(i)) + " got " + Arrays.toString(got));
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void promptOfTheGreedyReference() throws IOException {
        JsonNode ref = new ObjectMapper().readTree(GgufVocabularyVectorsTest.MODELS
                .resolve("reference/tinystories-656k.greedy.json").toFile()).get("once_upon_a_time");
        JsonNode ids = ref.get("prompt_ids");
        int[] expected = new int[ids.size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = ids.get(i).asInt();
        }
        String text = ref.get("prompt_text").asText();
        assertArrayEquals(expected, TOK.encode(text, true, false));
        assertEquals(text, TOK.decode(expected)); // <|start_story|> is special: decodes to nothing
        assertEquals(1, TOK.bos());
        assertEquals(2, TOK.eos());
        assertTrue(TOK.addsBos());
        assertTrue(TOK.isEndOfGeneration(2));
        assertEquals(2048, TOK.vocabularySize());
        assertEquals("hf tokenizer.json (BPE)", TOK.kind());
    }

    /** Inputs without characters outside the vocabulary (which become the lossy unknown token) round-trip. */
    @Test
    void decodeInvertsEncodeWithoutUnknowns() throws IOException {
        int checked = 0;
        for (String s : GgufVocabularyVectorsTest.inputs(DIR.resolve("tokenizer.json.inp"))) {
            int[] ids = TOK.encode(s, false, false);
            if (Arrays.stream(ids).anyMatch(id -> id == 0)) {
                continue;
            }
            assertEquals(s, TOK.decode(ids));
            checked++;
        }
        assertTrue(checked >= 20, "only " + checked + " inputs without unknowns");
    }

    @Test
    void specialTokensParsedOnRequest() {
        int[] ids = TOK.encode("<|end_story|>", false, true);
        assertTrue(Arrays.stream(ids).anyMatch(id -> id == 2), Arrays.toString(ids));
        int[] literal = TOK.encode("<|end_story|>", false, false);
        assertTrue(Arrays.stream(literal).noneMatch(id -> id == 2), Arrays.toString(literal));
    }
}
