package dev.kvlens.inference.report;

import dev.kvlens.inference.session.event.AttentionFrame;
import dev.kvlens.inference.session.event.BudgetPlan;
import dev.kvlens.inference.session.event.CacheDecision;
import dev.kvlens.inference.session.event.LaneInfo;
import dev.kvlens.inference.session.event.MemorySample;
import dev.kvlens.inference.session.event.QualitySample;
import dev.kvlens.inference.session.event.SessionEnded;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.SessionStarted;
import dev.kvlens.inference.session.event.TokenStep;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A session's events folded into per-step rows and per-lane summaries: the numbers every report output is
 * drawn from. When a lane reports the same step twice (step back, live rebuild), the later event wins.
 *
 * @param started the session's start (model, lanes, prompt)
 * @param steps   one entry per lane x step, lanes in order, steps ascending
 * @param lanes   one summary per lane announced in {@code started}, lane 0 first
 * @param ended   the end of the session, or null when the events stop before it
 */
public record SessionTables(SessionStarted started, List<StepMetrics> steps, List<LaneSummary> lanes,
                            SessionEnded ended) {

    public SessionTables {
        steps = List.copyOf(steps);
        lanes = List.copyOf(lanes);
    }

    /**
     * Folds {@code events}.
     *
     * @param taskScores score per lane index for the summary's task column (lanes absent get none)
     * @throws IllegalArgumentException when there is no SessionStarted or an event names an unknown lane
     */
    public static SessionTables of(List<? extends SessionEvent> events, Map<Integer, Double> taskScores) {
        SessionStarted started = null;
        SessionEnded ended = null;
        for (SessionEvent e : events) {
            if (e instanceof SessionStarted s && started == null) {
                started = s;
            } else if (e instanceof SessionEnded end) {
                ended = end;
            }
        }
        if (started == null) {
            throw new IllegalArgumentException("the events hold no SessionStarted: nothing says which model and lanes they describe");
        }
        int laneCount = started.lanes().size();
        Lane[] lanes = new Lane[laneCount];
        for (int i = 0; i < laneCount; i++) {
            lanes[i] = new Lane(started.model().layers(), started.model().kvHeads());
        }
        for (SessionEvent e : events) {
            if (e instanceof SessionStarted || e instanceof SessionEnded || e instanceof AttentionFrame) {
                continue;
            }
            int index = e.lane();
            if (index < 0 || index >= laneCount) {
                throw new IllegalArgumentException(e.getClass().getSimpleName() + " names lane " + index
                        + " but the session announced " + laneCount + " lanes");
            }
            Lane lane = lanes[index];
            switch (e) {
                case TokenStep t -> lane.tokens.put(t.position(), t);
                case QualitySample q -> lane.quality.put(q.step(), q);
                case MemorySample m -> lane.memory.put(m.step(), m);
                case CacheDecision d -> lane.entries.add(d);
                case BudgetPlan p -> lane.entries.add(p);
                default -> { }
            }
        }
        // Teacher-forced lanes read the same tokens, so the full lane's token stands in where a lane sent none.
        boolean sharedTokens = started.mode() != null && started.mode().startsWith("teacher");
        List<StepMetrics> rows = new ArrayList<>();
        List<LaneSummary> summaries = new ArrayList<>();
        for (int i = 0; i < laneCount; i++) {
            LaneInfo info = started.lanes().get(i);
            Lane lane = lanes[i];
            TreeSet<Integer> stepSet = new TreeSet<>();
            stepSet.addAll(lane.tokens.keySet());
            stepSet.addAll(lane.quality.keySet());
            stepSet.addAll(lane.memory.keySet());
            for (int step : stepSet) {
                TokenStep token = lane.tokens.get(step);
                if (token == null && sharedTokens) {
                    token = lanes[0].tokens.get(step);
                }
                rows.add(new StepMetrics(info, step, token, lane.quality.get(step), lane.memory.get(step),
                        lane.entries.totalAt(step)));
            }
            Double score = taskScores == null ? null : taskScores.get(i);
            summaries.add(summarise(info, stepSet, lane, score == null ? Double.NaN : score));
        }
        return new SessionTables(started, rows, summaries, ended);
    }

    /** The rows of one lane, steps ascending. */
    public List<StepMetrics> stepsOf(int lane) {
        return steps.stream().filter(s -> s.lane().index() == lane).toList();
    }

    private static LaneSummary summarise(LaneInfo info, TreeSet<Integer> stepSet, Lane lane, double score) {
        Mean kl = new Mean();
        Mean nll = new Mean();
        Mean kept = new Mean();
        Mean outputError = new Mean();
        int agrees = 0;
        for (QualitySample q : lane.quality.values()) {
            kl.add(q.klToFull());
            nll.add(q.nll());
            kept.add(q.attentionMassKept());
            outputError.add(q.outputError());
            agrees += q.top1Agrees() ? 1 : 0;
        }
        int qualitySteps = lane.quality.size();
        double top1 = qualitySteps == 0 ? Double.NaN : 100.0 * agrees / qualitySteps;
        MemorySample last = lane.memory.isEmpty() ? null : lane.memory.lastEntry().getValue();
        int lastStep = stepSet.isEmpty() ? -1 : stepSet.last();
        int[][] finalEntries = lastStep < 0 ? new int[0][0] : lane.entries.matrixAt(lastStep);
        return new LaneSummary(info, stepSet.size(), qualitySteps, last == null ? -1 : last.totalBytes(),
                last == null ? -1 : last.fullCacheBytes(), kl.value(), top1, nll.value(), kept.value(),
                outputError.value(), score, finalEntries);
    }

    /** What the events say about one lane, keyed by step. */
    private static final class Lane {
        final TreeMap<Integer, TokenStep> tokens = new TreeMap<>();
        final TreeMap<Integer, QualitySample> quality = new TreeMap<>();
        final TreeMap<Integer, MemorySample> memory = new TreeMap<>();
        final EntryCounts entries;

        Lane(int layers, int kvHeads) {
            entries = new EntryCounts(layers, kvHeads);
        }
    }

    /** Mean of the finite values added. */
    private static final class Mean {
        double sum;
        int n;

        void add(double v) {
            if (Double.isFinite(v)) {
                sum += v;
                n++;
            }
        }

        double value() {
            return n == 0 ? Double.NaN : sum / n;
        }
    }
}
