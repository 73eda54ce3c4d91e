package dev.kvlens.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Strings on which KV Lens once disagreed with llama.cpp (found by {@link LlamaCppTokenizerLiveTest}),
 * with llama.cpp's own ids and detokenized text as the expected values (llamacpp-regressions.json,
 * written by tools/llamacpp/tokenize.mjs). Runs without node.
 */
class LlamaCppTokenizerRegressionTest {

    @Test
    void formerDifferencesNowMatchLlamaCpp() throws IOException {
        JsonNode doc;
        try (InputStream in = getClass().getResourceAsStream("llamacpp-regressions.json")) {
            doc = new ObjectMapper().readTree(in);
        }
        Map<String, Tokenizer> tokenizers = new HashMap<>();
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (JsonNode c : doc.get("cases")) {
            String vocab = c.get("vocab").asText();
            Tokenizer tok = tokenizers.computeIfAbsent(vocab,
                    v -> GgufVocabularyVectorsTest.load(GgufVocabularyVectorsTest.MODELS.resolve(v)));
            String text = c.get("text").asText();
            int[] plain = LlamaCppTokenizerReference.ints(c.get("plain"));
            int[] special = LlamaCppTokenizerReference.ints(c.get("special"));
            int[] gotPlain = tok.encode(text, false, false);
            int[] gotSpecial = tok.encode(text, false, true);
            String decoded = tok.decode(plain);
            if (!Arrays.equals(plain, gotPlain)) {
                failures.add(vocab + " '" + text + "' plain: expected " + Arrays.toString(plain) + " got " + Arrays.toString(gotPlain));
            }
            if (!Arrays.equals(special, gotSpecial)) {
                failures.add(vocab + " '" + text + "' special: expected " + Arrays.toString(special) + " got " + Arrays.toString(gotSpecial));
            }
            if (!decoded.equals(c.get("detokenized").asText())) {
                failures.add(vocab + " '" + text + "' decode: expected '" + c.get("detokenized").asText() + "' got '" + decoded + "'");
            }
            checked++;
        }
        assertTrue(checked > 100, "regression cases missing: " + checked);
        assertEquals(List.of(), failures, failures.size() + " of " + checked + " cases differ from llama.cpp");
    }
}
