package dev.kvlens.inference.session.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RetrievalHeadsTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));
    private static LoadedModel model;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(MODELS.resolve("stories260K.gguf"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void factTokensAreTheTokensSpellingEachOccurrenceOfTheAnswer() {
        Tokenizer t = model.tokenizer();
        String prompt = "Tom has a red ball. Sue has a cat. Tom went home. Who has the cat? It is";
        int[] ids = t.encode(prompt, true, false);
        boolean[] fact = RetrievalHeads.factTokens(t, ids, prompt, "Sue");
        StringBuilder marked = new StringBuilder();
        for (int k = 0; k < ids.length; k++) {
            if (fact[k]) {
                marked.append(t.decode(new int[] {ids[k]}));
            }
        }
        // Only the tokens of " Sue" (one occurrence), whatever way the vocabulary splits it.
        assertEquals("Sue", marked.toString().strip());

        boolean[] tom = RetrievalHeads.factTokens(t, ids, prompt, "Tom");
        int count = 0;
        for (boolean b : tom) {
            count += b ? 1 : 0;
        }
        assertTrue(count >= 2, "both occurrences of Tom");
        assertThrows(IllegalArgumentException.class, () -> RetrievalHeads.factTokens(t, ids, prompt, "Zoe"));
    }

    @Test
    void massesAreShareOfAttentionAndTheRankingIsSorted() {
        TaskPrompt task = NameRecallTask.generate(3, 6);
        double[][] mass = RetrievalHeads.factMass(model, task);
        assertEquals(model.config().layers(), mass.length);
        double total = 0;
        for (double[] layer : mass) {
            assertEquals(model.config().heads(), layer.length);
            for (double m : layer) {
                assertTrue(m >= 0 && m <= 1 + 1e-6, "a share of attention: " + m);
                total += m;
            }
        }
        assertTrue(total > 0, "some head looks at the name");
        List<RetrievalHeads.HeadScore> ranked = RetrievalHeads.rank(model, List.of(task, NameRecallTask.generate(4, 6)));
        assertEquals(model.config().layers() * model.config().heads(), ranked.size());
        for (int i = 1; i < ranked.size(); i++) {
            assertTrue(ranked.get(i - 1).factMass() >= ranked.get(i).factMass());
        }
    }
}
