package dev.kvlens.inference.session;

import dev.kvlens.inference.session.event.AttentionFrame;
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
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One event to a record payload and back (big-endian, as {@link DataOutputStream} writes). The
 * layout of each type is in docs/recording-format.md. Decoding checks every count against the
 * bytes left, so a hostile payload cannot make it allocate more than the payload's own size.
 */
final class RecordingCodec {

    static final int END = 0;
    static final int SESSION_STARTED = 1;
    static final int TOKEN_STEP = 2;
    static final int ATTENTION_FRAME = 3;
    static final int CACHE_DECISION = 4;
    static final int BUDGET_PLAN = 5;
    static final int MEMORY_SAMPLE = 6;
    static final int QUALITY_SAMPLE = 7;
    static final int LANE_REBUILT = 8;
    static final int SESSION_REWOUND = 9;
    static final int SESSION_ENDED = 10;

    /** Thrown for a payload that does not hold what its type says; the reader adds file and offset. */
    static final class MalformedRecordException extends Exception {
        MalformedRecordException(String message) {
            super(message);
        }
    }

    private RecordingCodec() {
    }

    static int tag(SessionEvent e) {
        return switch (e) {
            case SessionStarted s -> SESSION_STARTED;
            case TokenStep t -> TOKEN_STEP;
            case AttentionFrame f -> ATTENTION_FRAME;
            case CacheDecision d -> CACHE_DECISION;
            case BudgetPlan b -> BUDGET_PLAN;
            case MemorySample m -> MEMORY_SAMPLE;
            case QualitySample q -> QUALITY_SAMPLE;
            case LaneRebuilt r -> LANE_REBUILT;
            case SessionRewound r -> SESSION_REWOUND;
            case SessionEnded e2 -> SESSION_ENDED;
        };
    }

    static byte[] encode(SessionEvent event) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            switch (event) {
                case SessionStarted s -> {
                    out.writeInt(s.version());
                    ModelInfo m = s.model();
                    string(out, m.name());
                    string(out, m.architecture());
                    out.writeInt(m.layers());
                    out.writeInt(m.heads());
                    out.writeInt(m.kvHeads());
                    out.writeInt(m.headDim());
                    out.writeInt(m.vocabularySize());
                    out.writeLong(m.kvBytesPerToken());
                    out.writeInt(s.lanes().size());
                    for (LaneInfo l : s.lanes()) {
                        lane(out, l);
                    }
                    string(out, s.mode());
                    ints(out, s.promptTokens());
                    out.writeInt(s.promptPieces().size());
                    for (String p : s.promptPieces()) {
                        string(out, p);
                    }
                }
                case TokenStep t -> {
                    out.writeInt(t.lane());
                    out.writeInt(t.position());
                    out.writeInt(t.token());
                    string(out, t.text());
                    ints(out, t.topIds());
                    floats(out, t.topLogits());
                }
                case AttentionFrame f -> {
                    out.writeInt(f.lane());
                    out.writeInt(f.step());
                    out.writeInt(f.layer());
                    out.writeInt(f.head());
                    out.writeBoolean(f.binned());
                    ints(out, f.positions());
                    floats(out, f.weights());
                }
                case CacheDecision d -> {
                    out.writeInt(d.lane());
                    out.writeInt(d.step());
                    out.writeInt(d.layer());
                    out.writeInt(d.kvHead());
                    ints(out, d.evicted());
                    out.writeInt(d.keptCount());
                    out.writeInt(d.budget());
                }
                case BudgetPlan b -> {
                    out.writeInt(b.lane());
                    out.writeInt(b.step());
                    out.writeInt(b.entries().length);
                    for (int[] row : b.entries()) {
                        ints(out, row);
                    }
                }
                case MemorySample m -> {
                    out.writeInt(m.lane());
                    out.writeInt(m.step());
                    out.writeInt(m.bytesPerHead().length);
                    for (long[] row : m.bytesPerHead()) {
                        out.writeInt(row.length);
                        for (long v : row) {
                            out.writeLong(v);
                        }
                    }
                    out.writeLong(m.totalBytes());
                    out.writeLong(m.fullCacheBytes());
                }
                case QualitySample q -> {
                    out.writeInt(q.lane());
                    out.writeInt(q.step());
                    out.writeDouble(q.klToFull());
                    out.writeBoolean(q.top1Agrees());
                    out.writeDouble(q.nll());
                    out.writeDouble(q.attentionMassKept());
                    out.writeDouble(q.outputError());
                }
                case LaneRebuilt r -> {
                    out.writeInt(r.lane());
                    out.writeInt(r.position());
                    lane(out, r.info());
                }
                case SessionRewound r -> out.writeInt(r.position());
                case SessionEnded e -> {
                    string(out, e.reason());
                    out.writeInt(e.positions());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    private static void lane(DataOutputStream out, LaneInfo l) throws IOException {
        out.writeInt(l.index());
        string(out, l.policy());
        string(out, l.label());
        string(out, l.budget());
        out.writeInt(l.options().size());
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(l.options()).entrySet()) {
            string(out, e.getKey());
            string(out, e.getValue());
        }
        out.writeBoolean(l.simulated());
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static void ints(DataOutputStream out, int[] a) throws IOException {
        out.writeInt(a.length);
        for (int v : a) {
            out.writeInt(v);
        }
    }

    private static void floats(DataOutputStream out, float[] a) throws IOException {
        out.writeInt(a.length);
        for (float v : a) {
            out.writeFloat(v);
        }
    }

    static SessionEvent decode(int tag, byte[] payload) throws MalformedRecordException {
        ByteBuffer in = ByteBuffer.wrap(payload);
        try {
            SessionEvent e = switch (tag) {
                case SESSION_STARTED -> {
                    int version = in.getInt();
                    ModelInfo m = new ModelInfo(string(in), string(in), in.getInt(), in.getInt(), in.getInt(),
                            in.getInt(), in.getInt(), in.getLong());
                    int lanes = count(in, 4 * 5 + 1);
                    List<LaneInfo> infos = new ArrayList<>(lanes);
                    for (int i = 0; i < lanes; i++) {
                        infos.add(lane(in));
                    }
                    String mode = string(in);
                    int[] prompt = ints(in);
                    int pieces = count(in, 4);
                    List<String> texts = new ArrayList<>(pieces);
                    for (int i = 0; i < pieces; i++) {
                        texts.add(string(in));
                    }
                    yield new SessionStarted(version, m, infos, mode, prompt, texts);
                }
                case TOKEN_STEP -> new TokenStep(in.getInt(), in.getInt(), in.getInt(), string(in), ints(in), floats(in));
                case ATTENTION_FRAME -> new AttentionFrame(in.getInt(), in.getInt(), in.getInt(), in.getInt(),
                        bool(in), ints(in), floats(in));
                case CACHE_DECISION -> new CacheDecision(in.getInt(), in.getInt(), in.getInt(), in.getInt(), ints(in),
                        in.getInt(), in.getInt());
                case BUDGET_PLAN -> {
                    int lane = in.getInt();
                    int step = in.getInt();
                    int[][] rows = new int[count(in, 4)][];
                    for (int i = 0; i < rows.length; i++) {
                        rows[i] = ints(in);
                    }
                    yield new BudgetPlan(lane, step, rows);
                }
                case MEMORY_SAMPLE -> {
                    int lane = in.getInt();
                    int step = in.getInt();
                    long[][] rows = new long[count(in, 4)][];
                    for (int i = 0; i < rows.length; i++) {
                        rows[i] = new long[count(in, 8)];
                        for (int j = 0; j < rows[i].length; j++) {
                            rows[i][j] = in.getLong();
                        }
                    }
                    yield new MemorySample(lane, step, rows, in.getLong(), in.getLong());
                }
                case QUALITY_SAMPLE -> new QualitySample(in.getInt(), in.getInt(), in.getDouble(), bool(in),
                        in.getDouble(), in.getDouble(), in.getDouble());
                case LANE_REBUILT -> new LaneRebuilt(in.getInt(), in.getInt(), lane(in));
                case SESSION_REWOUND -> new SessionRewound(in.getInt());
                case SESSION_ENDED -> new SessionEnded(string(in), in.getInt());
                default -> throw new MalformedRecordException("unknown record type " + tag);
            };
            if (in.hasRemaining()) {
                throw new MalformedRecordException(in.remaining() + " bytes left over after a " + name(tag) + " record");
            }
            return e;
        } catch (BufferUnderflowException e) {
            throw new MalformedRecordException("a " + name(tag) + " record ends early");
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new MalformedRecordException("a " + name(tag) + " record holds bad values: " + e.getMessage());
        }
    }

    static String name(int tag) {
        return switch (tag) {
            case END -> "end";
            case SESSION_STARTED -> "SessionStarted";
            case TOKEN_STEP -> "TokenStep";
            case ATTENTION_FRAME -> "AttentionFrame";
            case CACHE_DECISION -> "CacheDecision";
            case BUDGET_PLAN -> "BudgetPlan";
            case MEMORY_SAMPLE -> "MemorySample";
            case QUALITY_SAMPLE -> "QualitySample";
            case LANE_REBUILT -> "LaneRebuilt";
            case SESSION_REWOUND -> "SessionRewound";
            case SESSION_ENDED -> "SessionEnded";
            default -> "type-" + tag;
        };
    }

    private static LaneInfo lane(ByteBuffer in) throws MalformedRecordException {
        int index = in.getInt();
        String policy = string(in);
        String label = string(in);
        String budget = string(in);
        int n = count(in, 8);
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            options.put(string(in), string(in));
        }
        return new LaneInfo(index, policy, label, budget, options, bool(in));
    }

    private static boolean bool(ByteBuffer in) throws MalformedRecordException {
        byte b = in.get();
        if (b != 0 && b != 1) {
            throw new MalformedRecordException("a flag byte is " + b + ", not 0 or 1");
        }
        return b == 1;
    }

    /** A count of items of at least {@code minBytes} each, checked against the bytes left. */
    private static int count(ByteBuffer in, int minBytes) throws MalformedRecordException {
        int n = in.getInt();
        if (n < 0 || (long) n * minBytes > in.remaining()) {
            throw new MalformedRecordException("a count of " + n + " does not fit in the " + in.remaining()
                    + " bytes left");
        }
        return n;
    }

    private static String string(ByteBuffer in) throws MalformedRecordException {
        int n = count(in, 1);
        byte[] b = new byte[n];
        in.get(b);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedRecordException("a text is not valid UTF-8");
        }
    }

    private static int[] ints(ByteBuffer in) throws MalformedRecordException {
        int[] a = new int[count(in, 4)];
        in.asIntBuffer().get(a);
        in.position(in.position() + 4 * a.length);
        return a;
    }

    private static float[] floats(ByteBuffer in) throws MalformedRecordException {
        float[] a = new float[count(in, 4)];
        in.asFloatBuffer().get(a);
        in.position(in.position() + 4 * a.length);
        return a;
    }
}
