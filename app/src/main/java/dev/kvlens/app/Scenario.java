package dev.kvlens.app;

import java.util.List;

/**
 * A teaching scenario from assets/scenarios/*.json: a prompt, the lanes to compare with the full
 * cache, the view to open and the text of the explanation panel.
 *
 * @param id           the file's name without ".json"
 * @param title        shown in the Scenarios menu and the explanation panel
 * @param view         the view to open, a {@link ViewKind} id
 * @param explanation  a short paragraph: what to look at and why
 * @param prompt       the prompt text
 * @param mode         "teacher-forced" or "free-running"
 * @param maxNewTokens tokens generated after the prompt
 * @param lanes        the compared lanes (lane 0, the full cache, is implied)
 */
public record Scenario(String id, String title, String view, String explanation, String prompt, String mode,
                       int maxNewTokens, List<ScenarioLane> lanes) {

    public Scenario {
        lanes = List.copyOf(lanes);
    }
}
