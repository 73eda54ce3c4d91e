package dev.kvlens.inference.report;

import dev.kvlens.inference.session.event.LaneInfo;
import dev.kvlens.inference.session.event.ModelInfo;
import dev.kvlens.inference.session.event.SessionStarted;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code report.html}: one page that opens with no network. Styles are inline and every chart is embedded as
 * a base64 PNG (the SVG files sit beside it for print).
 */
final class ReportHtml {

    /** Charts whose file name starts with this are laid out side by side. */
    static final String BUDGET_MAP_PREFIX = "budget-map-";

    private ReportHtml() {
    }

    static void write(SessionTables t, List<ChartImage> charts, Path file) throws IOException {
        SessionStarted s = t.started();
        ModelInfo m = s.model();
        StringBuilder h = new StringBuilder(1 << 16);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>KV Lens comparison \u2014 ").append(esc(m.name())).append("</title>\n")
                .append("<style>\n")
                .append("body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;")
                .append("margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1a1a1a;line-height:1.45}\n")
                .append("h1{font-size:1.7rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2.2rem;")
                .append("border-bottom:1px solid #ddd;padding-bottom:.3rem}\n")
                .append(".facts{color:#444;margin:.2rem 0}.prompt{background:#f6f6f6;border-left:4px solid #0072B2;")
                .append("padding:.6rem .9rem;white-space:pre-wrap;font-family:'DejaVu Sans Mono',monospace;font-size:.9rem}\n")
                .append("table{border-collapse:collapse;margin:.8rem 0;font-size:.92rem}")
                .append("th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}")
                .append("th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
                .append("tr.reference td{background:#fafafa;font-style:italic}\n")
                .append("figure{margin:1.2rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}")
                .append("figcaption{color:#555;font-size:.9rem}\n")
                .append(".maps{display:flex;flex-wrap:wrap;gap:1rem}.maps figure{flex:1 1 420px;margin:.4rem 0}\n")
                .append("</style>\n</head>\n<body>\n");
        h.append("<h1>KV Lens comparison \u2014 ").append(esc(m.name())).append("</h1>\n");
        h.append("<p class=\"facts\">").append(esc(String.format(Locale.ROOT,
                "%s, %d layers, %d query heads, %d KV heads, head width %d, vocabulary %d, %d bytes of fp32 KV per token",
                m.architecture(), m.layers(), m.heads(), m.kvHeads(), m.headDim(), m.vocabularySize(),
                m.kvBytesPerToken()))).append("</p>\n");
        h.append("<p class=\"facts\">Mode: ").append(esc(s.mode())).append(" \u00b7 ")
                .append(s.promptTokens().length).append(" prompt tokens");
        if (t.ended() != null) {
            h.append(" \u00b7 ended: ").append(esc(t.ended().reason())).append(" after ")
                    .append(t.ended().positions()).append(" positions");
        }
        h.append("</p>\n<p class=\"prompt\">").append(esc(ReportText.promptExcerpt(s, 600))).append("</p>\n");

        h.append("<h2>Lanes</h2>\n<table id=\"lanes\">\n<tr><th>lane</th><th>policy</th><th>label</th><th>budget</th>")
                .append("<th>options</th><th>memory</th></tr>\n");
        for (LaneInfo lane : s.lanes()) {
            h.append(lane.index() == 0 ? "<tr class=\"reference\">" : "<tr>")
                    .append(td(Integer.toString(lane.index()), true)).append(td(lane.policy(), false))
                    .append(td(lane.label() + (lane.index() == 0 ? " (reference)" : ""), false))
                    .append(td(lane.budget(), false)).append(td(options(lane.options()), false))
                    .append(td(lane.simulated() ? "simulated (masked, not freed)" : "real", false))
                    .append("</tr>\n");
        }
        h.append("</table>\n");

        h.append("<h2>Summary</h2>\n<table id=\"summary\">\n<tr><th>lane</th><th>label</th><th>budget</th>")
                .append("<th>final KV bytes</th><th>% of full bytes</th><th>entries kept</th><th>mean KL (nats)</th>")
                .append("<th>top-1 agreement</th><th>mean NLL (nats)</th><th>attention mass kept</th>")
                .append("<th>task score</th></tr>\n");
        for (LaneSummary l : t.lanes()) {
            h.append(l.lane().index() == 0 ? "<tr class=\"reference\">" : "<tr>")
                    .append(td(Integer.toString(l.lane().index()), true)).append(td(l.lane().label(), false))
                    .append(td(l.lane().budget(), false)).append(td(ReportText.bytes(l.finalBytes()), true))
                    .append(td(fixed(l.percentOfFull(), 1, "%"), true))
                    .append(td(Long.toString(l.finalEntriesTotal()), true))
                    .append(td(fixed(l.meanKl(), 4, ""), true)).append(td(fixed(l.top1AgreementPct(), 1, "%"), true))
                    .append(td(fixed(l.meanNll(), 3, ""), true))
                    .append(td(fixed(100 * l.meanAttentionKept(), 1, "%"), true))
                    .append(td(fixed(l.taskScore(), 3, ""), true)).append("</tr>\n");
        }
        h.append("</table>\n<p class=\"facts\">Means are over the steps with a quality sample. Budgets are entries "
                + "kept per KV head or a share of entries kept. Bytes are the bytes each cache actually holds; "
                + "\u201c% of full\u201d compares them with a full fp32 cache at the same step.</p>\n");

        h.append("<h2>Quality and memory over steps</h2>\n");
        boolean inMaps = false;
        for (ChartImage c : charts) {
            boolean map = c.png().getFileName().toString().startsWith(BUDGET_MAP_PREFIX);
            if (map && !inMaps) {
                h.append("<h2>Budget maps: entries kept per layer and KV head at the end</h2>\n<div class=\"maps\">\n");
                inMaps = true;
            }
            byte[] png = Files.readAllBytes(c.png());
            h.append("<figure><img alt=\"").append(esc(c.title())).append("\" width=\"").append(c.width())
                    .append("\" height=\"").append(c.height()).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(png)).append("\">\n<figcaption>")
                    .append(esc(c.title())).append(" \u00b7 vector: ").append(esc(c.svg().getFileName().toString()))
                    .append("</figcaption></figure>\n");
        }
        if (inMaps) {
            h.append("</div>\n");
        }
        h.append("<p class=\"facts\">Data: metrics.csv (one row per lane and step), summary.csv (one row per lane)."
                + "</p>\n</body>\n</html>\n");
        Files.writeString(file, h, StandardCharsets.UTF_8);
    }

    private static String options(Map<String, String> options) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(options).forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(k).append('=').append(v));
        return sb.toString();
    }

    private static String td(String text, boolean numeric) {
        return (numeric ? "<td class=\"num\">" : "<td>") + esc(text) + "</td>";
    }

    private static String fixed(double v, int digits, String suffix) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + digits + "f", v) + suffix : "\u2014";
    }

    static String esc(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
