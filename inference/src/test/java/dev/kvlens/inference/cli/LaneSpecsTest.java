package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.session.LaneConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The --lanes grammar, on hand-written lane lists. */
class LaneSpecsTest {

    @Test
    void theIssuesShortFormIsPolicyBudgetPairs() {
        List<LaneConfig> lanes = LaneSpecs.parse("snapkv:64,h2o:64,streamingllm:64");
        assertEquals(List.of("snapkv", "h2o", "streamingllm"), lanes.stream().map(LaneConfig::policyId).toList());
        for (LaneConfig l : lanes) {
            assertEquals(Budget.entries(64), l.budget());
            assertEquals(Map.of(), l.options());
        }
    }

    @Test
    void theLongFormTakesOptionsAndBudgetsAfterAt() {
        List<LaneConfig> lanes = LaneSpecs.parse(" snapkv:window=16,pooling=avg@64 ; h2o@25% ;streamingllm:0.5");
        assertEquals(3, lanes.size());
        assertEquals("snapkv", lanes.get(0).policyId());
        assertEquals(Map.of("window", "16", "pooling", "avg"), lanes.get(0).options());
        assertEquals(Budget.entries(64), lanes.get(0).budget());
        assertEquals(Budget.fraction(0.25), lanes.get(1).budget());
        // A lane without options may keep the short form inside the long one.
        assertEquals(Budget.fraction(0.5), lanes.get(2).budget());
        assertEquals(Map.of(), lanes.get(2).options());
    }

    @Test
    void mistakesNameWhatIsValid() {
        Map<String, String> expected = Map.of(
                "nosuch:64", "valid policies: full, random, streamingllm",
                "h2o:lots", "entries per KV head (e.g. 64) nor a fraction kept",
                "h2o:0", "at least 1 entry",
                "h2o@1.5", "(0, 1]",
                "snapkv:bogus=1@64", "valid options: ",
                "h2o", "has no budget",
                "snapkv:window=8@64,h2o@64", "two budgets",
                "h2o:16,,tova:16", "empty lane",
                "snapkv:window=8:64", "has no budget",
                "h2o@16;tova@16;streamingllm@16;snapkv@64", "at most 3");
        for (var e : expected.entrySet()) {
            var x = assertThrows(BadArgumentException.class, () -> LaneSpecs.parse(e.getKey()), e.getKey());
            assertTrue(x.getMessage().contains(e.getValue()), e.getKey() + " -> " + x.getMessage());
        }
    }
}
