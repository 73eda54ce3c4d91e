package dev.kvlens.inference.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.gguf.GgufFile;
import dev.kvlens.inference.gguf.GgufMetadata;
import dev.kvlens.inference.gguf.GgufWriter;
import dev.kvlens.inference.tokenizer.Tokenizer;
import dev.kvlens.inference.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeVocabularyTrainerTest {

    private static List<String> corpusSample;
    private static TrainedVocabulary vocab;

    @BeforeAll
    static void trainOnCorpus() {
        corpusSample = new TeachingCorpus(CorpusRecipe.defaults(512), 11).documents(400);
        vocab = BpeVocabularyTrainer.train(corpusSample, 1024);
    }

    /**
     * Wikipedia's worked example of byte pair encoding: "aaabdaaabac" merges "aa" (4 pairs), then "ab"
     * (2, tied with "aa"+"a" and won because "a" sorts before "aa"), then "aa"+"ab" = "aaab"; every
     * pair left then occurs once, so training stops.
     */
    @Test
    void handWorkedMergesOfTheClassicExample() {
        TrainedVocabulary v = BpeVocabularyTrainer.train(List.of("aaabdaaabac"), 1024);
        assertEquals(List.of("a a", "a b", "aa ab"), v.merges());
        assertEquals(List.of("aa", "ab", "aaab", "<|bos|>", "<|eos|>"), v.tokens().subList(256, v.size()));
        assertEquals(261, v.size());
        assertEquals(259, v.bos());
        assertEquals(260, v.eos());
        // ids 0-255 are the bytes: "aaab" "d" "aaab" "a" "c"
        assertArrayEquals(new int[] {258, 'd', 258, 'a', 'c'}, v.tokenizer().encode("aaabdaaabac", false, false));
        assertArrayEquals(new int[] {259, 258}, v.tokenizer().encode("aaab", true, false));
    }

    /**
     * "ab ab ab" splits into "ab", " ab", " ab"; the space is byte 0x20, written 'Ġ' (U+0120) in GPT-2's
     * map. Pairs: a+b three times, Ġ+a twice: "ab" first, then Ġ+"ab" (twice).
     */
    @Test
    void handWorkedMergesAcrossTheLeadingSpace() {
        TrainedVocabulary v = BpeVocabularyTrainer.train(List.of("ab ab ab"), 300);
        assertEquals(List.of("a b", "\u0120 ab"), v.merges());
        assertEquals("\u0120ab", v.tokens().get(257));
        assertEquals("\u0120", v.tokens().get(' '));
        assertEquals("\u010A", v.tokens().get('\n'));
        assertArrayEquals(new int[] {256, 257, ' ', 'a'}, v.tokenizer().encode("ab ab a", false, false));
    }

    @Test
    void vocabularyStopsAtTheRequestedSize() {
        TrainedVocabulary small = BpeVocabularyTrainer.train(corpusSample, 300);
        assertEquals(300, small.size());
        assertEquals(300, small.tokenizer().vocabularySize());
        assertTrue(vocab.size() <= 1024, vocab.toString());
        assertEquals(vocab.size(), vocab.tokenizer().vocabularySize());
        assertThrows(IllegalArgumentException.class, () -> BpeVocabularyTrainer.train(corpusSample, 257));
        assertThrows(IllegalArgumentException.class, () -> BpeVocabularyTrainer.train(corpusSample, 1024, "no-such-pre"));
    }

    @Test
    void trainingIsDeterministic() {
        TrainedVocabulary again = BpeVocabularyTrainer.train(new TeachingCorpus(CorpusRecipe.defaults(512), 11)
                .documents(400), 1024);
        assertEquals(vocab.tokens(), again.tokens());
        assertEquals(vocab.merges(), again.merges());
    }

    @Test
    void digitsAreOneTokenEach() {
        for (String token : vocab.tokens()) {
            if (token.chars().anyMatch(Character::isDigit)) {
                assertEquals(1, token.length(), "a token holding a digit must be that digit alone: " + token);
            }
        }
        Tokenizer t = vocab.tokenizer();
        int[] ids = t.encode("48213", false, false);
        assertEquals(5, ids.length);
        for (int i = 0; i < ids.length; i++) {
            assertEquals("48213".substring(i, i + 1), t.decode(new int[] {ids[i]}));
        }
    }

    @Test
    void decodeInvertsEncodeOnCorpusText() {
        Tokenizer t = vocab.tokenizer();
        for (String doc : corpusSample.subList(0, 100)) {
            assertEquals(doc, t.decode(t.encode(doc, true, false)));
        }
    }

    @Test
    void decodeInvertsEncodeOnArbitraryUnicode() {
        Tokenizer t = vocab.tokenizer();
        List<String> texts = new ArrayList<>(List.of("", " ", "  leading and trailing  ", "tabs\tand\nnew\r\nlines",
                "caf\u00E9 na\u00EFve \u00FCber", "\u65E5\u672C\u8A9E\u306E\u6587", "emoji \uD83D\uDE00\uD83C\uDF89!",
                "don't 'quote' , . ? !", "<|eos|> is plain text here", "\u0000\u0001\u007F"));
        SplittableRandom r = new SplittableRandom(5);
        for (int n = 0; n < 200; n++) {
            StringBuilder b = new StringBuilder();
            int len = r.nextInt(1, 40);
            for (int i = 0; i < len; i++) {
                int cp;
                do {
                    cp = r.nextInt(4) == 0 ? r.nextInt(0x20, 0x7F) : r.nextInt(0, 0x30000);
                } while (cp >= 0xD800 && cp <= 0xDFFF);
                b.appendCodePoint(cp);
            }
            texts.add(b.toString());
        }
        for (String s : texts) {
            assertEquals(s, t.decode(t.encode(s, false, false)), "round trip of " + s.codePoints().boxed().toList());
        }
    }

    @Test
    void bosIsAddedAndEosEndsGeneration() {
        Tokenizer t = vocab.tokenizer();
        int[] ids = t.encode("The pass key is 1.", true, false);
        assertEquals(vocab.bos(), ids[0]);
        assertEquals(vocab.bos(), t.bos());
        assertEquals(vocab.eos(), t.eos());
        assertTrue(t.isEndOfGeneration(vocab.eos()));
        assertFalse(t.isEndOfGeneration(ids[1]));
        assertEquals("", t.decode(new int[] {vocab.bos(), vocab.eos()}));
        assertEquals(vocab.eos(), t.encode("<|eos|>", false, true)[0]);
    }

    @Test
    void metadataWrittenToGgufGivesTheSameTokenizer(@TempDir Path dir) {
        Path file = dir.resolve("vocab.gguf");
        GgufWriter w = new GgufWriter();
        vocab.writeTo(w);
        w.write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            GgufMetadata md = gguf.metadata();
            assertEquals("gpt2", md.getString("tokenizer.ggml.model"));
            assertEquals("qwen2", md.getString("tokenizer.ggml.pre"));
            assertEquals(vocab.size(), md.getStringArray("tokenizer.ggml.tokens").length);
            assertEquals(vocab.merges().size(), md.getStringArray("tokenizer.ggml.merges").length);
            int[] types = md.getIntArray("tokenizer.ggml.token_type");
            assertEquals(3, types[vocab.bos()]); // CONTROL
            assertEquals(3, types[vocab.eos()]);
            assertEquals(1, types['a']); // NORMAL
            assertEquals(vocab.bos(), md.getInt("tokenizer.ggml.bos_token_id"));
            assertEquals(vocab.eos(), md.getInt("tokenizer.ggml.eos_token_id"));
            assertTrue(md.getBoolean("tokenizer.ggml.add_bos_token"));
            Tokenizer fromFile = Tokenizers.fromGguf(md, file);
            for (String doc : corpusSample.subList(0, 50)) {
                assertArrayEquals(vocab.tokenizer().encode(doc, true, false), fromFile.encode(doc, true, false));
            }
        }
    }
}
