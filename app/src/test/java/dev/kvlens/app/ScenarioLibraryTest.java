package dev.kvlens.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.session.LaneConfig;
import dev.kvlens.inference.session.Session;
import dev.kvlens.inference.session.SessionMode;
import dev.kvlens.inference.session.SessionSettings;
import dev.kvlens.inference.session.event.QualitySample;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.TokenStep;
import dev.kvlens.inference.session.FrameRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every shipped scenario is usable as shipped: its lanes build valid configurations, it names a view
 * the window has, and a session on stories260K accepts its prompt and lanes and runs a few tokens
 * with every lane producing tokens and quality samples (a budget a policy refuses fails here).
 */
class ScenarioLibraryTest {

    private static LoadedModel model;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(Path.of(System.getProperty("kvlens.models")).resolve("stories260K.gguf"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void atLeastSixScenariosWithDistinctIdsAndTitles() throws Exception {
        List<Scenario> all = ScenarioLibrary.shipped();
        assertTrue(all.size() >= 6, "the issue asks for six or more, got " + all.size());
        Set<String> titles = new HashSet<>();
        for (Scenario s : all) {
            assertTrue(titles.add(s.title()), "duplicate title " + s.title());
            assertFalse(s.explanation().isBlank(), s.id());
            assertFalse(s.prompt().isBlank(), s.id());
        }
    }

    @Test
    void everyScenarioOpensAViewTheWindowHas() throws Exception {
        for (Scenario s : ScenarioLibrary.shipped()) {
            // ViewKind.of falls back to OUTPUT for unknown names: a typo would silently open the output.
            assertEquals(s.view(), ViewKind.of(s.view()).id(), s.id() + " names view " + s.view());
            SessionMode.parse(s.mode());
        }
    }

    @Test
    void everyScenarioBuildsLanesThatASessionRuns() throws Exception {
        for (Scenario s : ScenarioLibrary.shipped()) {
            List<LaneConfig> lanes = new ArrayList<>();
            lanes.add(LaneConfig.FULL);
            for (ScenarioLane l : s.lanes()) {
                lanes.add(l.config());
            }
            assertTrue(lanes.size() >= 2 && lanes.size() <= Session.MAX_LANES, s.id() + ": " + lanes.size() + " lanes");
            int[] ids = model.tokenizer().encode(s.prompt(), model.tokenizer().addsBos(), false);
            int newTokens = 4;
            try (Session session = new Session(model, SessionSettings.generate(ids, newTokens), lanes)) {
                List<SessionEvent> events = session.runToEndCollecting(FrameRequest.BINNED);
                for (int lane = 0; lane < lanes.size(); lane++) {
                    int l = lane;
                    long tokens = events.stream().filter(e -> e instanceof TokenStep t && t.lane() == l).count();
                    long quality = events.stream().filter(e -> e instanceof QualitySample q && q.lane() == l).count();
                    assertEquals(newTokens + 1, tokens, s.id() + " lane " + lane + " tokens (prompt's last + new)");
                    assertTrue(quality >= newTokens, s.id() + " lane " + lane + " quality samples " + quality);
                }
            }
        }
    }

    @Test
    void aBrokenScenarioNamesTheMissingField() {
        var json = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        json.put("title", "t");
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> ScenarioLibrary.parse("broken", json));
        assertTrue(e.getMessage().contains("broken") && e.getMessage().contains("lanes"), e.getMessage());
    }
}
