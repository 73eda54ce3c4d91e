package dev.kvlens.inference.report;

import dev.kvlens.inference.session.event.LaneInfo;
import dev.kvlens.inference.session.event.ModelInfo;
import dev.kvlens.inference.session.event.SessionStarted;

import java.util.Locale;

/** The words charts and the HTML page share: lane names, the session subtitle, the prompt excerpt. */
final class ReportText {

    private ReportText() {
    }

    /** "lane 0: FullKV (reference)" or "lane 2: SnapKV-like, 64 entries/KV head". */
    static String laneName(LaneInfo lane) {
        if (lane.index() == 0) {
            return "lane 0: " + lane.label() + " (reference)";
        }
        return "lane " + lane.index() + ": " + lane.label() + ", " + lane.budget()
                + (lane.simulated() ? " (simulated)" : "");
    }

    /** "stories260K (llama, 5 layers, 8 heads / 4 KV heads) · teacher-forced · 12 prompt tokens". */
    static String sessionLine(SessionStarted started) {
        ModelInfo m = started.model();
        return String.format(Locale.ROOT, "%s (%s, %d layers, %d heads / %d KV heads) \u00b7 %s \u00b7 %d prompt tokens",
                m.name(), m.architecture(), m.layers(), m.heads(), m.kvHeads(), started.mode(),
                started.promptTokens().length);
    }

    /** The prompt's text, cut to {@code max} characters with an ellipsis. */
    static String promptExcerpt(SessionStarted started, int max) {
        String text = String.join("", started.promptPieces()).strip();
        return text.length() <= max ? text : text.substring(0, max).strip() + "\u2026";
    }

    /** Bytes unit that keeps the largest value between 1 and a few thousand. */
    record ByteUnit(String name, double bytes) {
        static ByteUnit forMax(double maxBytes) {
            if (maxBytes < 10 * 1024.0) {
                return new ByteUnit("bytes", 1);
            }
            if (maxBytes < 10 * 1024.0 * 1024) {
                return new ByteUnit("KiB", 1024);
            }
            if (maxBytes < 10 * 1024.0 * 1024 * 1024) {
                return new ByteUnit("MiB", 1024.0 * 1024);
            }
            return new ByteUnit("GiB", 1024.0 * 1024 * 1024);
        }
    }

    /** "1.50 MiB" style, for tables. */
    static String bytes(long bytes) {
        if (bytes < 0) {
            return "";
        }
        ByteUnit unit = ByteUnit.forMax(bytes);
        return unit.bytes() == 1 ? bytes + " bytes" : String.format(Locale.ROOT, "%.2f %s", bytes / unit.bytes(), unit.name());
    }
}
