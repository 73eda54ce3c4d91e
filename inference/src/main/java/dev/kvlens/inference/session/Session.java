package dev.kvlens.inference.session;

import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.LlamaModel;
import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.policy.PolicyCache;
import dev.kvlens.inference.policy.PolicyLane;
import dev.kvlens.inference.quality.QualityMeter;
import dev.kvlens.inference.quality.StepAttention;
import dev.kvlens.inference.quality.StepQuality;
import dev.kvlens.inference.sampling.GreedySampler;
import dev.kvlens.inference.sampling.SamplingSettings;
import dev.kvlens.inference.sampling.StochasticSampler;
import dev.kvlens.inference.session.event.BudgetPlan;
import dev.kvlens.inference.session.event.CacheDecision;
import dev.kvlens.inference.session.event.LaneInfo;
import dev.kvlens.inference.session.event.LaneRebuilt;
import dev.kvlens.inference.session.event.MemorySample;
import dev.kvlens.inference.session.event.ModelInfo;
import dev.kvlens.inference.session.event.QualitySample;
import dev.kvlens.inference.session.event.SessionEnded;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.SessionRewound;
import dev.kvlens.inference.session.event.SessionStarted;
import dev.kvlens.inference.session.event.TokenStep;
import dev.kvlens.inference.tokenizer.Tokenizer;
import dev.kvlens.kernels.ComputePriority;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One token stream through 1-4 lanes (lane 0 is always the full cache), publishing
 * {@link SessionEvent}s on {@link #events()}.
 *
 * <p>All compute runs on the session's own worker thread. Control methods ({@link #run},
 * {@link #pause}, {@link #step}, {@link #stepBack}, {@link #changeLane}, {@link #stop}) only queue a
 * command and return a future that completes when the worker has carried it out; they never block.
 * {@link #runToEnd()} is the blocking variant for the command line.
 *
 * <p>Positions: the prompt fills positions {@code [0, P)}. After the prompt (the first step) every
 * step feeds one token at the next position to every lane that is still running. Teacher-forced:
 * every lane reads the same token, lane 0's sampled choice or the next token of the given text.
 * Free-running: each lane samples its own. Sampling is re-seeded from the settings' seed and the
 * position of the token chosen, so the same inputs give the same tokens, also after a step back.
 *
 * <p>Rebuilds (a live change of a lane, or a step back) replay the lane's tokens exactly as a fresh
 * run does: {@link PolicyLane#prefill} on the prompt, then {@link PolicyLane#step} per token.
 *
 * <p>Memory held for capture: nothing beyond the current step. Frames go to the {@link EventBus},
 * whose per-subscriber bound is stated on {@link EventQueue}; quality measurement holds one
 * {@link StepAttention} per lane (every head's weights of the last step: {@code 4 * layers * heads
 * * entries} bytes plus the attention outputs).
 */
public final class Session implements AutoCloseable {

    /** Where the session is. */
    public enum State { READY, RUNNING, PAUSED, FINISHED, CLOSED }

    /** Most lanes a session runs (lane 0 included). */
    public static final int MAX_LANES = 4;

    private sealed interface Command permits Run, Pause, Step, StepBack, Change, Snapshot, Keys, Stop {
    }

    private record Run(CompletableFuture<Void> done) implements Command {
    }

    private record Pause(CompletableFuture<Void> done) implements Command {
    }

    private record Step(int count, CompletableFuture<Void> done) implements Command {
    }

    private record StepBack(int count, CompletableFuture<Void> done) implements Command {
    }

    private record Change(int lane, LaneConfig config, CompletableFuture<Void> done) implements Command {
    }

    private record Snapshot(int lane, CompletableFuture<LaneSnapshot> done) implements Command {
    }

    private record Keys(int lane, int layer, int kvHead, CompletableFuture<HeadKeys> done) implements Command {
    }

    private record Stop(CompletableFuture<Void> done) implements Command {
    }

    /** One lane's live state; touched only by the worker. */
    private static final class LaneRun {
        final int index;
        LaneConfig config;
        PolicyLane lane;
        int[] tokens = new int[64];
        int length;
        float[] logits;
        StepAttention attention;
        int pending = -1;
        String endReason;
        boolean decided;

        LaneRun(int index, LaneConfig config) {
            this.index = index;
            this.config = config;
        }

        void append(int token) {
            if (length == tokens.length) {
                tokens = Arrays.copyOf(tokens, tokens.length * 2);
            }
            tokens[length++] = token;
        }
    }

    private final LlamaModel model;
    private final ModelConfig config;
    private final Tokenizer tokenizer;
    private final SessionSettings settings;
    private final EventBus bus = new EventBus();
    private final LinkedBlockingQueue<Command> commands = new LinkedBlockingQueue<>();
    private final Thread worker;
    private final LaneRun[] lanes;
    private volatile State state = State.READY;
    private volatile SessionEnded ended;
    private volatile Throwable failure;

    // Worker-only.
    private boolean started;
    private final List<CompletableFuture<Void>> runWaiters = new ArrayList<>();
    private String teacherEnd; // teacher-forced: why no token follows, or null

    /**
     * Prepares a session; nothing is computed until a control method asks. Subscribe to
     * {@link #events()} before running to see every event.
     *
     * @param lanes lane configurations, lane 0 first, which must be the full cache ("full")
     */
    public Session(LoadedModel loaded, SessionSettings settings, List<LaneConfig> lanes) {
        this(loaded.model(), loaded.tokenizer(), settings, lanes);
    }

    public Session(LlamaModel model, Tokenizer tokenizer, SessionSettings settings, List<LaneConfig> lanes) {
        if (lanes.isEmpty() || lanes.size() > MAX_LANES) {
            throw new IllegalArgumentException("a session runs 1 to " + MAX_LANES + " lanes, got " + lanes.size());
        }
        if (!lanes.get(0).isFull()) {
            throw new IllegalArgumentException("lane 0 must be the full cache, got " + lanes.get(0));
        }
        this.model = model;
        this.config = model.config();
        this.tokenizer = tokenizer;
        this.settings = settings;
        int vocab = config.vocabularySize();
        for (int t : settings.prompt()) {
            checkToken(t, vocab, "prompt");
        }
        if (settings.continuation() != null) {
            for (int t : settings.continuation()) {
                checkToken(t, vocab, "continuation");
            }
        }
        if (settings.prompt().length > config.contextLength()) {
            throw new IllegalArgumentException("the prompt has " + settings.prompt().length
                    + " tokens, more than the model's context of " + config.contextLength());
        }
        this.lanes = new LaneRun[lanes.size()];
        for (int i = 0; i < lanes.size(); i++) {
            this.lanes[i] = new LaneRun(i, lanes.get(i));
        }
        this.worker = Thread.ofPlatform().daemon().name("kvlens-session").start(this::work);
    }

    private static void checkToken(int t, int vocab, String what) {
        if (t < 0 || t >= vocab) {
            throw new IllegalArgumentException(what + " token id " + t + " outside the vocabulary [0, " + vocab + ")");
        }
    }

    /** The event stream; subscribe before running to see the {@code SessionStarted} event. */
    public EventBus events() {
        return bus;
    }

    public State state() {
        return state;
    }

    public SessionSettings settings() {
        return settings;
    }

    public int laneCount() {
        return lanes.length;
    }

    /** Runs until the end, a pause or a stop; the future completes then. */
    public CompletableFuture<Void> run() {
        return send(new Run(new CompletableFuture<>()));
    }

    /** Pauses after the step in progress. */
    public CompletableFuture<Void> pause() {
        return send(new Pause(new CompletableFuture<>()));
    }

    /** One step: the prompt when nothing ran yet, else one more token. */
    public CompletableFuture<Void> step() {
        return step(1);
    }

    /** Runs the prompt if needed, then {@code count} more tokens (fewer at the end). */
    public CompletableFuture<Void> step(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + count);
        }
        return send(new Step(count, new CompletableFuture<>()));
    }

    /**
     * Goes back {@code count} tokens (not into the prompt): every lane is rebuilt by replaying the
     * tokens before the new position, and the session pauses there.
     */
    public CompletableFuture<Void> stepBack(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("steps back must be >= 0, got " + count);
        }
        return send(new StepBack(count, new CompletableFuture<>()));
    }

    /**
     * Gives lane {@code lane} (1 or more; lane 0 stays the full cache) a new policy, budget or
     * options. Once the session has started, the lane is rebuilt by replaying its tokens so far
     * through the new configuration, then the session carries on as it was (running or paused).
     */
    public CompletableFuture<Void> changeLane(int lane, LaneConfig newConfig) {
        if (lane < 1 || lane >= lanes.length) {
            throw new IllegalArgumentException("lane " + lane + " cannot be changed; lanes 1 to "
                    + (lanes.length - 1) + " can (lane 0 is the full-cache reference)");
        }
        return send(new Change(lane, newConfig, new CompletableFuture<>()));
    }

    /** A copy of one lane's state, taken between steps. */
    public CompletableFuture<LaneSnapshot> snapshot(int lane) {
        if (lane < 0 || lane >= lanes.length) {
            throw new IllegalArgumentException("no lane " + lane + "; lanes 0 to " + (lanes.length - 1));
        }
        return send(new Snapshot(lane, new CompletableFuture<>()));
    }

    /**
     * A copy of the keys lane {@code lane} holds for ({@code layer}, {@code kvHead}), taken on the worker
     * between steps (a copy of {@code entries * headDim} floats; no entries before the prompt ran). For
     * the key spectrum: hand the copy to {@link KeySpectrum#of} on a thread of the caller's.
     */
    public CompletableFuture<HeadKeys> headKeys(int lane, int layer, int kvHead) {
        if (lane < 0 || lane >= lanes.length) {
            throw new IllegalArgumentException("no lane " + lane + "; lanes 0 to " + (lanes.length - 1));
        }
        if (layer < 0 || layer >= config.layers() || kvHead < 0 || kvHead >= config.kvHeads()) {
            throw new IllegalArgumentException("no layer " + layer + ", KV head " + kvHead + "; the model has "
                    + config.layers() + " layers of " + config.kvHeads() + " KV heads");
        }
        return send(new Keys(lane, layer, kvHead, new CompletableFuture<>()));
    }

    /** Ends the session: a {@code SessionEnded("stopped")} unless it had already ended. */
    public CompletableFuture<Void> stop() {
        return send(new Stop(new CompletableFuture<>()));
    }

    /**
     * Blocking, for the command line: runs to the end on the worker and waits for it.
     *
     * @return the end event
     * @throws IllegalStateException when the run was paused before the end, or failed
     */
    public SessionEnded runToEnd() {
        run().join();
        SessionEnded e = ended;
        if (e == null || state != State.FINISHED && state != State.CLOSED) {
            throw new IllegalStateException("the session was paused before it ended");
        }
        return e;
    }

    /**
     * For small runs: runs to the end and returns every event, frames as {@code frames} asks (only
     * the newest frame per head is left, since nobody reads while it runs). Call before any other
     * control method, so that the list starts with {@code SessionStarted}.
     */
    public List<SessionEvent> runToEndCollecting(FrameRequest frames) {
        EventQueue q = bus.subscribe(frames);
        try {
            runToEnd();
            return q.drain();
        } finally {
            bus.unsubscribe(q);
        }
    }

    /** The last {@code SessionEnded} published, or null. */
    public SessionEnded ended() {
        return ended;
    }

    /** What made the session fail, or null. */
    public Throwable failure() {
        return failure;
    }

    /**
     * Stops the session and waits for the worker to finish its step and close the event stream
     * (subscribers still get what is pending). The one control method that waits: after it, every
     * event the session will ever publish is in the subscribers' queues.
     */
    @Override
    public void close() {
        stop();
        if (Thread.currentThread() != worker) {
            boolean interrupted = false;
            while (worker.isAlive()) {
                try {
                    worker.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private <T, C extends Command> CompletableFuture<T> send(C command) {
        CompletableFuture<T> done = future(command);
        if (state == State.CLOSED) {
            done.completeExceptionally(new IllegalStateException("the session is closed"));
            return done;
        }
        commands.add(command);
        return done;
    }

    @SuppressWarnings("unchecked")
    private static <T> CompletableFuture<T> future(Command c) {
        return (CompletableFuture<T>) switch (c) {
            case Run r -> r.done();
            case Pause p -> p.done();
            case Step s -> s.done();
            case StepBack b -> b.done();
            case Change ch -> ch.done();
            case Snapshot sn -> sn.done();
            case Keys k -> k.done();
            case Stop st -> st.done();
        };
    }

    // ---------------------------------------------------------------- worker

    private void work() {
        ComputePriority.applyToCurrentThread();
        try {
            while (true) {
                Command c = state == State.RUNNING ? commands.poll() : commands.take();
                if (c != null) {
                    if (!handle(c)) {
                        return;
                    }
                    continue;
                }
                try {
                    advance();
                } catch (RuntimeException | Error e) {
                    fail(e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            state = State.CLOSED;
            bus.close();
            for (Command c; (c = commands.poll()) != null; ) {
                future(c).completeExceptionally(new IllegalStateException("the session is closed"));
            }
        }
    }

    /** @return false when the worker must end */
    private boolean handle(Command c) {
        try {
            switch (c) {
                case Run r -> {
                    if (state == State.FINISHED) {
                        r.done().complete(null);
                    } else {
                        startIfNeeded();
                        if (state == State.FINISHED) {
                            r.done().complete(null);
                        } else {
                            state = State.RUNNING;
                            runWaiters.add(r.done());
                        }
                    }
                }
                case Pause p -> {
                    if (state == State.RUNNING) {
                        state = State.PAUSED;
                        releaseRunWaiters();
                    }
                    p.done().complete(null);
                }
                case Step s -> {
                    boolean fresh = !started;
                    startIfNeeded();
                    for (int i = fresh ? 1 : 0; i < s.count() && state != State.FINISHED; i++) {
                        advance();
                    }
                    s.done().complete(null);
                }
                case StepBack b -> {
                    if (started) {
                        rewind(b.count());
                    }
                    b.done().complete(null);
                }
                case Change ch -> {
                    change(ch.lane(), ch.config());
                    ch.done().complete(null);
                }
                case Snapshot sn -> sn.done().complete(snapshotOf(lanes[sn.lane()]));
                case Keys k -> k.done().complete(keysOf(lanes[k.lane()], k.layer(), k.kvHead()));
                case Stop st -> {
                    if (started && state != State.FINISHED) {
                        end("stopped");
                    }
                    releaseRunWaiters();
                    st.done().complete(null);
                    return false;
                }
            }
        } catch (RuntimeException | Error e) {
            fail(e);
            future(c).completeExceptionally(e);
        }
        return true;
    }

    private void fail(Throwable e) {
        failure = e;
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        end("error: " + message);
    }

    private void releaseRunWaiters() {
        for (CompletableFuture<Void> f : runWaiters) {
            if (failure != null) {
                f.completeExceptionally(failure);
            } else {
                f.complete(null);
            }
        }
        runWaiters.clear();
    }

    private void end(String reason) {
        SessionEnded e = new SessionEnded(reason, lanes[0].length);
        ended = e;
        state = State.FINISHED;
        bus.publish(e);
        releaseRunWaiters();
    }

    private void startIfNeeded() {
        if (started) {
            return;
        }
        started = true;
        if (state == State.READY) {
            state = State.PAUSED;
        }
        int[] prompt = settings.prompt();
        List<LaneInfo> infos = new ArrayList<>();
        for (LaneRun l : lanes) {
            infos.add(l.config.info(l.index));
        }
        List<String> pieces = new ArrayList<>(prompt.length);
        for (int t : prompt) {
            pieces.add(tokenizer.piece(t));
        }
        bus.publish(new SessionStarted(SessionEvent.FORMAT_VERSION, modelInfo(), infos, settings.mode().label(),
                prompt, pieces));
        for (LaneRun l : lanes) {
            replay(l, prompt, prompt.length, true);
            publishStep(l, prompt.length - 1, prompt[prompt.length - 1]);
            publishCache(l, prompt.length - 1, true);
        }
        afterStep();
    }

    private ModelInfo modelInfo() {
        return new ModelInfo(config.name(), config.architecture().ggufName(), config.layers(), config.heads(),
                config.kvHeads(), config.headDim(), config.vocabularySize(), config.kvBytesPerToken());
    }

    /**
     * Makes {@code l} a fresh lane of its configuration and feeds it {@code tokens[0, length)}: the
     * prompt as one prefill, then one step per token, as a fresh run does. With {@code publish}, the
     * prompt's decisions and frames are published (the first run); a rebuild publishes nothing while
     * replaying. Only the last token's attention is kept, for quality. Afterwards the lane's
     * decisions are published as they happen.
     */
    private void replay(LaneRun l, int[] tokens, int length, boolean publish) {
        int[] prompt = settings.prompt();
        int p = prompt.length;
        PolicyLane lane = new PolicyLane(model, l.config.newPolicy());
        PolicyCache cache = lane.cache();
        java.util.function.Consumer<dev.kvlens.inference.policy.EvictionRecord> live = r -> {
            l.decided = true;
            bus.publish(new CacheDecision(l.index, r.step(), r.layer(), r.kvHead(), r.evicted(), r.keptCount(),
                    r.budget()));
        };
        cache.onDecision(publish ? live : r -> { });
        int[] kept = Arrays.copyOf(tokens, Math.max(64, length * 2));
        l.lane = lane;
        l.decided = false;
        StepAttention att = length == p ? attentionFor(p - 1) : null;
        l.logits = lane.prefill(prompt, AttentionListener.both(att, publish ? frames(l) : null), false);
        l.attention = att;
        for (int pos = p; pos < length; pos++) {
            att = pos == length - 1 ? attentionFor(pos) : null;
            l.logits = lane.step(kept[pos], att);
            l.attention = att;
        }
        l.tokens = kept;
        l.length = length;
        cache.onDecision(live);
    }

    private StepAttention attentionFor(int position) {
        return measuresAttention() ? new StepAttention(config, position) : null;
    }

    private boolean measuresAttention() {
        return settings.measureAttention() && settings.mode() == SessionMode.TEACHER_FORCED;
    }

    private FrameCapture frames(LaneRun l) {
        return FrameCapture.of(l.index, settings.bins(), bus.demand(), bus::publish);
    }

    /** One token more for every lane still running, then next-token choice and quality. */
    private void advance() {
        if (state == State.FINISHED) {
            return;
        }
        if (settings.mode() == SessionMode.TEACHER_FORCED) {
            if (teacherEnd != null) {
                end(teacherEnd);
                return;
            }
            for (LaneRun l : lanes) {
                feed(l, l.pending);
            }
        } else {
            boolean any = false;
            for (LaneRun l : lanes) {
                if (l.endReason == null) {
                    feed(l, l.pending);
                    any = true;
                }
            }
            if (!any) {
                end(freeRunningEnd());
                return;
            }
        }
        afterStep();
    }

    private void feed(LaneRun l, int token) {
        int position = l.length;
        l.decided = false;
        StepAttention att = attentionFor(position);
        l.logits = l.lane.step(token, AttentionListener.both(att, frames(l)));
        l.attention = att;
        l.append(token);
        publishStep(l, position, token);
        publishCache(l, position, l.decided);
    }

    /** After every lane read a position: choose what comes next, publish quality, maybe end. */
    private void afterStep() {
        if (settings.mode() == SessionMode.TEACHER_FORCED) {
            LaneRun ref = lanes[0];
            int next = chooseTeacherNext(ref);
            for (LaneRun l : lanes) {
                l.pending = next;
                publishQuality(l, ref, next);
            }
            if (teacherEnd != null && state != State.FINISHED && (state == State.RUNNING)) {
                end(teacherEnd);
            }
        } else {
            for (LaneRun l : lanes) {
                if (l.endReason == null) {
                    chooseFreeNext(l);
                    publishQuality(l, lanes[0], -1);
                }
            }
            boolean all = true;
            for (LaneRun l : lanes) {
                all &= l.endReason != null;
            }
            if (all && state == State.RUNNING) {
                end(freeRunningEnd());
            }
        }
    }

    /** The token every lane reads next, or -1 (with {@link #teacherEnd} set) when the stream ends. */
    private int chooseTeacherNext(LaneRun ref) {
        int position = ref.length;
        int fed = position - settings.prompt().length;
        teacherEnd = null;
        int[] given = settings.continuation();
        if (given != null) {
            if (fed >= given.length) {
                teacherEnd = "end of text";
                return -1;
            }
            if (fed >= settings.maxNewTokens()) {
                teacherEnd = "limit";
                return given[fed]; // known, so the last step still gets its NLL
            }
            return given[fed];
        }
        if (fed >= settings.maxNewTokens() || position >= config.contextLength()) {
            teacherEnd = fed >= settings.maxNewTokens() ? "limit" : "context";
            return -1;
        }
        int token = sample(ref.logits, position);
        if (tokenizer.isEndOfGeneration(token)) {
            teacherEnd = "eos";
        }
        return token;
    }

    private void chooseFreeNext(LaneRun l) {
        int position = l.length;
        int fed = position - settings.prompt().length;
        if (fed >= settings.maxNewTokens() || position >= config.contextLength()) {
            l.endReason = fed >= settings.maxNewTokens() ? "limit" : "context";
            l.pending = -1;
            return;
        }
        int token = sample(l.logits, position);
        l.pending = token;
        if (tokenizer.isEndOfGeneration(token)) {
            l.endReason = "eos";
        }
    }

    private String freeRunningEnd() {
        for (LaneRun l : lanes) {
            if (!"eos".equals(l.endReason)) {
                return l.endReason == null ? "limit" : l.endReason;
            }
        }
        return "eos";
    }

    /** Seeded per position, so a replay or a step back chooses the same token from the same logits. */
    private int sample(float[] logits, int position) {
        SamplingSettings s = settings.sampling();
        if (s.temperature() <= 0) {
            return GreedySampler.argmax(logits, 0, logits.length);
        }
        long seed = s.seed() * 0x9E3779B97F4A7C15L + position;
        return new StochasticSampler(new SamplingSettings(s.temperature(), s.topK(), s.topP(), seed))
                .sample(logits.clone());
    }

    private void publishStep(LaneRun l, int position, int token) {
        int[] top = TopTokens.of(l.logits, settings.topTokens());
        bus.publish(new TokenStep(l.index, position, token, tokenizer.piece(token), top,
                TopTokens.values(l.logits, top)));
    }

    private void publishCache(LaneRun l, int position, boolean plan) {
        PolicyCache cache = l.lane.cache();
        int layers = config.layers();
        int kvHeads = config.kvHeads();
        long[][] bytes = new long[layers][kvHeads];
        int[][] entries = plan ? new int[layers][kvHeads] : null;
        for (int layer = 0; layer < layers; layer++) {
            for (int g = 0; g < kvHeads; g++) {
                bytes[layer][g] = cache.head(layer, g).bytes();
                if (plan) {
                    entries[layer][g] = cache.head(layer, g).size();
                }
            }
        }
        if (plan) {
            bus.publish(new BudgetPlan(l.index, position, entries));
        }
        bus.publish(new MemorySample(l.index, position, bytes, cache.bytes(), fullCacheBytes(l, position)));
    }

    /** The reference distribution of the current step, computed once for every lane. */
    private float[] referenceLogits;
    private QualityMeter.Reference reference;

    /**
     * What the full cache holds at {@code position}, measured the same way as the lane (the
     * reference lane's own bytes, allocation included), so that the full lane reads exactly
     * 100%; when the reference is not at this position, the exact size of every entry with its
     * position table.
     */
    private long fullCacheBytes(LaneRun l, int position) {
        LaneRun full = lanes[0];
        if (full.lane != null && full.length == l.length) {
            return full.lane.cache().bytes();
        }
        long perEntry = 2L * config.headDim() * Float.BYTES + Integer.BYTES;
        return (position + 1L) * config.layers() * config.kvHeads() * perEntry;
    }

    private void publishQuality(LaneRun l, LaneRun ref, int nextToken) {
        if (ref.length != l.length || ref.logits == null) {
            return; // free-running lanes the reference no longer matches in position
        }
        int position = l.length - 1;
        if (referenceLogits != ref.logits) {
            referenceLogits = ref.logits;
            reference = QualityMeter.reference(ref.logits);
        }
        StepQuality q = QualityMeter.measure(config, position, reference, l.logits, nextToken, ref.attention,
                l.attention);
        bus.publish(new QualitySample(l.index, position, q.klToFull(), q.top1Agrees(), q.nll(), q.attentionMassKept(),
                q.meanOutputError()));
    }

    private void rewind(int count) {
        int p = settings.prompt().length;
        if (state == State.RUNNING) {
            state = State.PAUSED;
            releaseRunWaiters();
        }
        int longest = 0;
        for (LaneRun l : lanes) {
            longest = Math.max(longest, l.length);
        }
        int target = Math.max(p, longest - count);
        bus.publish(new SessionRewound(target));
        for (LaneRun l : lanes) {
            l.endReason = null;
            int length = Math.min(l.length, target); // free-running lanes that stopped early stay where they are
            replay(l, l.tokens, length, false);
            bus.publish(new LaneRebuilt(l.index, length, l.config.info(l.index)));
            publishCache(l, length - 1, true);
        }
        state = State.PAUSED;
        ended = null;
        afterStep();
    }

    private void change(int index, LaneConfig newConfig) {
        LaneRun l = lanes[index];
        l.config = newConfig;
        if (!started) {
            return;
        }
        replay(l, l.tokens, l.length, false);
        bus.publish(new LaneRebuilt(index, l.length, newConfig.info(index)));
        publishCache(l, l.length - 1, true);
        if (settings.mode() == SessionMode.FREE_RUNNING) {
            if (!"limit".equals(l.endReason) && !"context".equals(l.endReason)) {
                l.endReason = null;
                chooseFreeNext(l);
            }
            publishQuality(l, lanes[0], -1);
        } else {
            publishQuality(l, lanes[0], l.pending);
        }
    }

    private HeadKeys keysOf(LaneRun l, int layer, int kvHead) {
        int d = config.headDim();
        if (l.lane == null) {
            return new HeadKeys(l.index, -1, layer, kvHead, d, new int[0], new float[0]);
        }
        var store = l.lane.cache().head(layer, kvHead);
        int n = store.size();
        int[] positions = new int[n];
        float[] keys = new float[n * d];
        for (int i = 0; i < n; i++) {
            positions[i] = store.position(i);
            store.readKey(i, keys, i * d);
        }
        return new HeadKeys(l.index, l.length - 1, layer, kvHead, d, positions, keys);
    }

    private LaneSnapshot snapshotOf(LaneRun l) {
        if (l.lane == null) {
            return new LaneSnapshot(l.index, l.config, 0, new int[0], new int[0][][], new float[0], 0);
        }
        PolicyCache cache = l.lane.cache();
        int[][][] kept = new int[config.layers()][config.kvHeads()][];
        for (int layer = 0; layer < config.layers(); layer++) {
            for (int g = 0; g < config.kvHeads(); g++) {
                var store = cache.head(layer, g);
                int[] pos = new int[store.size()];
                for (int i = 0; i < pos.length; i++) {
                    pos[i] = store.position(i);
                }
                kept[layer][g] = pos;
            }
        }
        return new LaneSnapshot(l.index, l.config, l.lane.nextPosition(), Arrays.copyOf(l.tokens, l.length), kept,
                l.logits.clone(), cache.bytes());
    }
}
