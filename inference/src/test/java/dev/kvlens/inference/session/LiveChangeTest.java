package dev.kvlens.inference.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.policy.PolicyLane;
import dev.kvlens.inference.policy.PolicyRegistry;
import dev.kvlens.inference.session.event.LaneRebuilt;
import dev.kvlens.inference.session.event.SessionEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A lane changed mid-run equals a fresh lane of the new configuration fed the same tokens: same
 * kept positions in every (layer, KV head), same logits, also after more steps.
 */
class LiveChangeTest {

    @org.junit.jupiter.api.BeforeAll
    static void load() throws java.io.IOException {
        SessionTest.load();
    }

    /** Every pair of evicting policies registered when the test runs (policies land in parallel). */
    static Stream<String[]> changes() {
        List<String> ids = new ArrayList<>();
        for (String id : List.of("streamingllm", "h2o", "snapkv", "tova", "pyramidkv")) {
            try {
                PolicyRegistry.factory(id);
                // Observation-window policies keep a window of 32 by default; budgets here are smaller.
                ids.add(id.equals("snapkv") || id.equals("pyramidkv") ? id + ":window=4" : id);
            } catch (IllegalArgumentException e) {
                // not registered yet
            }
        }
        List<String[]> out = new ArrayList<>();
        // full -> X (budget 12), X -> Y (budget 20), X -> X with another budget
        for (int i = 0; i < ids.size(); i++) {
            out.add(new String[] {"full", "1.0", ids.get(i), "12"});
            out.add(new String[] {ids.get(i), "24", ids.get((i + 1) % ids.size()), "20"});
            out.add(new String[] {ids.get(i), "30", ids.get(i), "14"});
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}:{1} -> {2}:{3}")
    @MethodSource("changes")
    void rebuiltLaneEqualsAFreshRunOfTheNewConfiguration(String fromPolicy, String fromBudget, String toPolicy,
                                                         String toBudget) {
        var stories = SessionTest.stories;
        int[] prompt = stories.tokenizer().encode(SessionTest.STORY, true, false);
        SessionSettings settings = SessionSettings.generate(prompt, 40);
        LaneConfig before = LaneConfig.parse(fromPolicy, fromBudget);
        LaneConfig after = LaneConfig.parse(toPolicy, toBudget);
        try (Session s = new Session(stories, settings, LaneConfig.withFullReference(List.of(before)))) {
            EventQueue q = s.events().subscribe(FrameRequest.NONE);
            s.step(16).join();
            s.changeLane(1, after).join();
            LaneSnapshot changed = s.snapshot(1).join();
            check(stories, prompt, after, changed);
            s.step(7).join();
            LaneSnapshot later = s.snapshot(1).join();
            check(stories, prompt, after, later);
            List<SessionEvent> events = q.drain();
            LaneRebuilt rebuilt = (LaneRebuilt) events.stream().filter(e -> e instanceof LaneRebuilt).findFirst()
                    .orElseThrow();
            assertEquals(1, rebuilt.lane());
            assertEquals(changed.nextPosition(), rebuilt.position());
            assertEquals(after.policyId(), rebuilt.info().policy());
        }
    }

    /** Feeds the snapshot's tokens to a fresh lane as a fresh run does and compares state and logits. */
    static void check(dev.kvlens.inference.model.LoadedModel loaded, int[] prompt, LaneConfig config,
                      LaneSnapshot snap) {
        PolicyLane fresh = new PolicyLane(loaded.model(), config.newPolicy());
        float[] logits = fresh.prefill(prompt, null, false);
        int[] tokens = snap.tokens();
        assertArrayEquals(prompt, Arrays.copyOf(tokens, prompt.length));
        for (int p = prompt.length; p < tokens.length; p++) {
            logits = fresh.step(tokens[p], null);
        }
        assertEquals(fresh.nextPosition(), snap.nextPosition());
        var c = loaded.config();
        boolean evicted = false;
        for (int l = 0; l < c.layers(); l++) {
            for (int g = 0; g < c.kvHeads(); g++) {
                var store = fresh.cache().head(l, g);
                int[] kept = new int[store.size()];
                for (int i = 0; i < kept.length; i++) {
                    kept[i] = store.position(i);
                }
                assertArrayEquals(kept, snap.keptPositions()[l][g], "layer " + l + " KV head " + g);
                evicted |= kept.length < snap.nextPosition();
            }
        }
        assertTrue(evicted || config.isFull(), "the new configuration evicts something");
        assertArrayEquals(logits, snap.logits(), 1e-4f);
        assertEquals(fresh.cache().bytes(), snap.cacheBytes());
    }
}
