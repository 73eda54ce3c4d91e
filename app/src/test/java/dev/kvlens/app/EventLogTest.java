package dev.kvlens.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.PolicyRegistry;
import dev.kvlens.inference.report.ComparisonReport;
import dev.kvlens.inference.session.EventQueue;
import dev.kvlens.inference.session.FrameRequest;
import dev.kvlens.inference.session.LaneConfig;
import dev.kvlens.inference.session.Session;
import dev.kvlens.inference.session.SessionSettings;
import dev.kvlens.inference.session.event.LaneRebuilt;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.SessionRewound;
import dev.kvlens.inference.session.event.SessionStarted;
import dev.kvlens.inference.session.event.TokenStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log "as it stands" after a step back and a live lane change: the full-cache lane's tokens equal
 * those of a straight run of the same prompt (an independent session), each lane holds each position
 * once, the changed lane is named by its new policy, and the report accepts it.
 */
class EventLogTest {

    private static final String PROMPT = "Once upon a time, there was a little girl named Lily. She loved to play outside.";
    private static final int NEW_TOKENS = 12;

    @TempDir
    Path temp;

    @Test
    void aSessionWithAStepBackAndALaneChangeReadsAsOneStraightRun() throws Exception {
        LaneConfig h2o = new LaneConfig(PolicyRegistry.factory("h2o"), Map.of(), Budget.parse("12"));
        LaneConfig streaming = new LaneConfig(PolicyRegistry.factory("streamingllm"), Map.of(), Budget.parse("12"));
        List<SessionEvent> edited;
        List<SessionEvent> straight;
        try (LoadedModel model = ModelLoader.load(Path.of(System.getProperty("kvlens.models")).resolve("stories260K.gguf"))) {
            int[] ids = model.tokenizer().encode(PROMPT, model.tokenizer().addsBos(), false);
            SessionSettings settings = SessionSettings.generate(ids, NEW_TOKENS);
            try (Session s = new Session(model, settings, List.of(LaneConfig.FULL, h2o))) {
                EventQueue q = s.events().subscribe(FrameRequest.BINNED);
                s.step(9).join();
                s.stepBack(4).join();
                s.changeLane(1, streaming).join();
                s.run().join();
                EventLog log = new EventLog();
                q.drain().forEach(log::add);
                assertTrue(log.snapshot().stream().anyMatch(e -> e instanceof SessionRewound));
                assertTrue(log.snapshot().stream().anyMatch(e -> e instanceof LaneRebuilt));
                edited = log.asItStands();
            }
            try (Session s = new Session(model, settings, List.of(LaneConfig.FULL, h2o))) {
                straight = s.runToEndCollecting(FrameRequest.BINNED);
            }
        }
        assertFalse(edited.stream().anyMatch(e -> e instanceof SessionRewound || e instanceof LaneRebuilt));
        assertArrayEquals(tokens(straight, 0), tokens(edited, 0), "full-cache lane: same tokens as a straight run");
        for (int lane = 0; lane < 2; lane++) {
            int l = lane;
            int[] positions = edited.stream().filter(e -> e instanceof TokenStep t && t.lane() == l)
                    .mapToInt(e -> ((TokenStep) e).position()).toArray();
            for (int i = 1; i < positions.length; i++) {
                assertEquals(positions[i - 1] + 1, positions[i], "lane " + lane + ": each position once, in order");
            }
        }
        SessionStarted started = (SessionStarted) edited.getFirst();
        assertEquals("streamingllm", started.lanes().get(1).policy(), "named by its current policy");
        var files = ComparisonReport.write(edited, temp);
        assertTrue(Files.readAllLines(files.metricsCsv()).size() > NEW_TOKENS);
    }

    private static int[] tokens(List<SessionEvent> events, int lane) {
        return events.stream().filter(e -> e instanceof TokenStep t && t.lane() == lane)
                .mapToInt(e -> ((TokenStep) e).token()).toArray();
    }
}
