package dev.kvlens.inference.session.task;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.session.LaneConfig;
import dev.kvlens.inference.session.SessionSettings;
import dev.kvlens.inference.session.event.SessionEvent;
import java.util.Arrays;
import java.util.List;

/** Mean NLL per lane of a given text, teacher-forced: the lower, the better the lane kept what mattered. */
public final class TeacherForcedNll {

    private TeacherForcedNll() {
    }

    /**
     * @param promptTokens how many leading tokens form the prompt (prefilled, then compressed); the
     *                     NLL is the mean over every token after them
     * @return mean NLL (nats per token) per lane, lane 0 first
     */
    public static double[] score(LoadedModel model, String text, int promptTokens, List<LaneConfig> lanes) {
        int[] all = model.tokenizer().encode(text, true, false);
        if (promptTokens < 1 || promptTokens >= all.length) {
            throw new IllegalArgumentException("the prompt must be 1 to " + (all.length - 1) + " of the text's "
                    + all.length + " tokens, got " + promptTokens);
        }
        int[] prompt = Arrays.copyOf(all, promptTokens);
        int[] rest = Arrays.copyOfRange(all, promptTokens, all.length);
        SessionSettings settings = SessionSettings.teacherForced(prompt, rest).withMeasureAttention(false);
        List<SessionEvent> events = TaskScorer.run(model, settings, lanes);
        return TaskScorer.meanNll(events, lanes.size(), promptTokens - 1, all.length - 2);
    }
}
