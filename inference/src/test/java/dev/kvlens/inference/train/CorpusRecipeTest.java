package dev.kvlens.inference.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CorpusRecipeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void readsEveryField() throws Exception {
        CorpusRecipe r = CorpusRecipe.fromJson(json(
                "{\"context_tokens\": 256, \"full_context_share\": 0.25, \"mix\": {\"passkey\": 2, \"copy\": 0.5}}"));
        assertEquals(256, r.contextTokens());
        assertEquals(0.25, r.fullContextShare());
        assertEquals(Map.of(DocumentKind.PASSKEY, 2.0, DocumentKind.COPY, 0.5), r.mix());
    }

    @Test
    void absentFieldsTakeTheDefaults() throws Exception {
        CorpusRecipe r = CorpusRecipe.fromJson(json("{}"));
        assertEquals(CorpusRecipe.defaults(512), r);
        assertEquals(DocumentKind.values().length, r.mix().size());
    }

    @Test
    void badValuesAreNamed() {
        assertMessage("{\"contxt_tokens\": 512}", "corpus.contxt_tokens");
        assertMessage("{\"context_tokens\": 10}", "corpus.context_tokens");
        assertMessage("{\"context_tokens\": 512.5}", "corpus.context_tokens");
        assertMessage("{\"full_context_share\": 2}", "corpus.full_context_share");
        assertMessage("{\"mix\": {\"passkeys\": 1}}", "passkeys");
        assertMessage("{\"mix\": {\"passkey\": -1}}", "corpus.mix.passkey");
        assertMessage("{\"mix\": {\"passkey\": \"a lot\"}}", "corpus.mix.passkey");
        assertMessage("{\"mix\": {\"passkey\": 0}}", "at least one weight");
        assertMessage("[]", "\"corpus\" must be an object");
    }

    private static void assertMessage(String text, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CorpusRecipe.fromJson(json(text)));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
