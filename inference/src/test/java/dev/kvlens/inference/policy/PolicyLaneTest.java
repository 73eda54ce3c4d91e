package dev.kvlens.inference.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.cache.KvCache;
import dev.kvlens.inference.model.ForwardPass;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PolicyLaneTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));

    @Test
    void fullPolicyLaneGivesTheEnginesLogitsAndKeepsEverything() {
        try (LoadedModel loaded = ModelLoader.load(MODELS.resolve("stories260K.gguf"))) {
            int[] prompt = {1, 403, 407, 261, 378};
            PolicyLane lane = new PolicyLane(loaded.model(), PolicyRegistry.create("full", Budget.UNLIMITED));
            ForwardPass plain = loaded.model().newForwardPass();
            KvCache cache = loaded.model().newFullCache();
            assertArrayEquals(plain.forward(prompt, 0, cache, null, false), lane.prefill(prompt, null, false));
            for (int token : new int[] {432, 383, 286}) {
                int position = lane.nextPosition();
                assertArrayEquals(plain.forward(new int[] {token}, position, cache, null, false), lane.step(token, null));
            }
            assertEquals(8, lane.cache().head(3, 1).size());
            assertEquals(7, lane.cache().head(3, 1).position(7));
            assertTrue(lane.cache().bytes() > 0);
        }
    }

    @Test
    void unknownPoliciesAndOptionsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("nonsense", Budget.entries(4)));
        assertTrue(e.getMessage().contains("valid policies: full"), e.getMessage());
        var o = assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("full:foo=1", Budget.entries(4)));
        assertTrue(o.getMessage().contains("has no option 'foo'"), o.getMessage());
    }
}
