package dev.kvlens.inference.session.task;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.sampling.SamplingSettings;
import dev.kvlens.inference.session.FrameRequest;
import dev.kvlens.inference.session.LaneConfig;
import dev.kvlens.inference.session.Session;
import dev.kvlens.inference.session.SessionSettings;
import dev.kvlens.inference.session.event.QualitySample;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.TokenStep;
import dev.kvlens.inference.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores every lane on a task instance two ways: exact (free-running greedy generation contains the
 * answer) and graded (teacher-forced NLL of the answer tokens), so tiny models that never answer
 * correctly still show which lanes lost the fact.
 */
public final class TaskScorer {

    private TaskScorer() {
    }

    /** Prompt and answer tokens of a task, split where the prompt's text ends. */
    record Split(int[] prompt, int[] answer) {
    }

    static Split split(Tokenizer tokenizer, String prompt, String completion) {
        String text = prompt + completion;
        int[] all = tokenizer.encode(text, true, false);
        // Decoding may add a leading space (SentencePiece's dummy prefix): lengths are measured past it.
        int shift = tokenizer.decode(all).length() - text.length();
        // The longest prefix whose text stays inside the prompt's text: tokens across the boundary go to the answer.
        int k = 1;
        while (k < all.length && tokenizer.decode(Arrays.copyOf(all, k + 1)).length() - shift <= prompt.length()) {
            k++;
        }
        if (k >= all.length) {
            throw new IllegalArgumentException("the answer '" + completion + "' adds no tokens after the prompt");
        }
        return new Split(Arrays.copyOf(all, k), Arrays.copyOfRange(all, k, all.length));
    }

    /** Scores {@code lanes} (lane 0 first, the full cache) on {@code task}. */
    public static List<LaneScore> score(LoadedModel model, TaskPrompt task, List<LaneConfig> lanes) {
        Tokenizer tokenizer = model.tokenizer();
        Split split = split(tokenizer, task.prompt(), task.completion());

        List<String> outputs = new ArrayList<>();
        SessionSettings free = SessionSettings.freeRunning(split.prompt(), task.maxNewTokens(), SamplingSettings.GREEDY);
        List<SessionEvent> generated = run(model, free, lanes);
        for (int lane = 0; lane < lanes.size(); lane++) {
            int l = lane;
            int[] ids = generated.stream().filter(e -> e instanceof TokenStep t && t.lane() == l
                    && t.position() >= split.prompt().length).mapToInt(e -> ((TokenStep) e).token()).toArray();
            outputs.add(tokenizer.decode(ids));
        }

        double[] nll = answerNll(model, split, lanes);
        List<LaneScore> scores = new ArrayList<>();
        for (int lane = 0; lane < lanes.size(); lane++) {
            String out = outputs.get(lane);
            double s = out.contains(task.answer()) ? 1 : 0;
            scores.add(new LaneScore(lane, lanes.get(lane).toString(), out, s, nll[lane]));
        }
        return scores;
    }

    private static double[] answerNll(LoadedModel model, Split split, List<LaneConfig> lanes) {
        SessionSettings forced = SessionSettings.teacherForced(split.prompt(), split.answer())
                .withMeasureAttention(false);
        List<SessionEvent> events = run(model, forced, lanes);
        int first = split.prompt().length - 1; // the sample after the prompt predicts the first answer token
        int last = first + split.answer().length - 1;
        return meanNll(events, lanes.size(), first, last);
    }

    /** Mean NLL per lane over the quality samples at positions {@code [from, to]}. */
    static double[] meanNll(List<SessionEvent> events, int lanes, int from, int to) {
        double[] sum = new double[lanes];
        int[] count = new int[lanes];
        for (SessionEvent e : events) {
            if (e instanceof QualitySample q && q.step() >= from && q.step() <= to && !Double.isNaN(q.nll())) {
                sum[q.lane()] += q.nll();
                count[q.lane()]++;
            }
        }
        double[] mean = new double[lanes];
        for (int i = 0; i < lanes; i++) {
            mean[i] = count[i] == 0 ? Double.NaN : sum[i] / count[i];
        }
        return mean;
    }

    static List<SessionEvent> run(LoadedModel model, SessionSettings settings, List<LaneConfig> lanes) {
        try (Session s = new Session(model, settings, lanes)) {
            return s.runToEndCollecting(FrameRequest.NONE);
        }
    }
}
