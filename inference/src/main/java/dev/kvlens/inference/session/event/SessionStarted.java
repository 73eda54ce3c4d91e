package dev.kvlens.inference.session.event;

import java.util.List;

/**
 * A session began.
 *
 * @param version      {@link SessionEvent#FORMAT_VERSION} of the producer
 * @param model        the model's facts
 * @param lanes        the lanes, lane 0 first
 * @param mode         "teacher-forced" or "free-running"
 * @param promptTokens the prompt's token ids
 * @param promptPieces the text of each prompt token
 */
public record SessionStarted(int version, ModelInfo model, List<LaneInfo> lanes, String mode, int[] promptTokens,
                             List<String> promptPieces) implements SessionEvent {

    public SessionStarted {
        lanes = List.copyOf(lanes);
        promptPieces = List.copyOf(promptPieces);
    }

    @Override
    public int lane() {
        return -1;
    }
}
