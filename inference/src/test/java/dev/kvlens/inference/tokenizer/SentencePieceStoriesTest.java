package dev.kvlens.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The SPM tokenizer embedded in stories260K.gguf against encodings made with the sentencepiece
 * library (reference/tok512.simple-cases.json), plus special tokens, BOS and byte-token streaming.
 */
class SentencePieceStoriesTest {

    static final Path MODELS = GgufVocabularyVectorsTest.MODELS;
    static final Tokenizer TOK = GgufVocabularyVectorsTest.load(MODELS.resolve("stories260K.gguf"));

    @Test
    void matchesSentencePieceLibrary() throws IOException {
        JsonNode cases = new ObjectMapper().readTree(MODELS.resolve("reference/tok512.simple-cases.json").toFile()).get("cases");
        assertEquals(10, cases.size());
        for (JsonNode c : cases) {
            int[] expected = new int[c.get("ids").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = c.get("ids").get(i).asInt();
            }
            String text = c.get("text").asText();
            assertArrayEquals(expected, TOK.encode(text, false, false), text);
            int[] withBos = TOK.encode(text, true, false);
            assertEquals(1, withBos[0]);
            assertArrayEquals(expected, Arrays.copyOfRange(withBos, 1, withBos.length), text);
            assertEquals(text, TOK.decode(expected));
        }
    }

    @Test
    void vocabularyFacts() {
        assertEquals(512, TOK.vocabularySize());
        assertEquals(1, TOK.bos());
        assertEquals(2, TOK.eos());
        assertTrue(TOK.addsBos());
        assertTrue(TOK.isEndOfGeneration(2));
        assertFalse(TOK.isEndOfGeneration(1));
        assertEquals("llama (SentencePiece)", TOK.kind());
        assertEquals("<s>", TOK.piece(1));
        assertEquals(" Once", TOK.piece(403));
        assertEquals("<0xE4>", TOK.piece(231)); // a lone lead byte is no text
        assertEquals("\n", TOK.piece(13));
    }

    @Test
    void specialTokensOnlyWhenParsed() {
        // parsed: "<s>" is BOS; the text after a special token gets the space prefix again (llama.cpp rule)
        assertArrayEquals(new int[] {1, 403}, TOK.encode("<s>Once", false, true));
        int[] literal = TOK.encode("<s>Once", false, false);
        assertFalse(Arrays.stream(literal).anyMatch(id -> id == 1));
        assertEquals("<s>Once", TOK.decode(literal));
        // control tokens render as nothing when decoding; BOS first keeps the piece's leading space
        assertEquals(" Once", TOK.decode(new int[] {1, 403}));
    }

    @Test
    void streamingHoldsSplitCharacters() {
        // "你" is E4 BD A0: three byte tokens in this vocabulary
        int[] ids = TOK.encode("Tom said 你好", false, false);
        TokenDecoder d = TOK.streamingDecoder();
        StringBuilder seen = new StringBuilder();
        int e4 = Arrays.stream(ids).boxed().toList().indexOf(231);
        for (int i = 0; i < ids.length; i++) {
            String out = d.accept(ids[i]);
            if (i == e4 || i == e4 + 1) {
                assertEquals("", out, "incomplete UTF-8 must be held back");
            }
            if (i == e4 + 2) {
                assertEquals("你", out);
            }
            seen.append(out);
        }
        assertEquals("", d.flush());
        assertEquals("Tom said 你好", seen.toString());
        // a dangling lead byte comes out as U+FFFD on flush
        TokenDecoder dangling = TOK.streamingDecoder();
        assertEquals("", dangling.accept(231));
        assertEquals("\uFFFD", dangling.flush());
    }

    /** The Llama-2 vocabulary of llama-2-tiny-random.gguf gives the prompt ids its greedy reference used. */
    @Test
    void llama2PromptOfTheGreedyReference() throws IOException {
        Path file = MODELS.resolve("llama-2-tiny-random.gguf");
        long t0 = System.nanoTime();
        Tokenizer llama2 = GgufVocabularyVectorsTest.load(file);
        long loadMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(32000, llama2.vocabularySize());
        assertArrayEquals(new int[] {1, 15043, 3186}, llama2.encode("Hello world", true, false));
        assertTrue(loadMs < 5000, "loading a 32k vocabulary took " + loadMs + " ms");
    }
}
