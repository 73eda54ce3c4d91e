package dev.kvlens.inference.report;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code metrics.csv}: one row per lane x step. Empty cells mean "not measured at this step".
 * Columns: lane, policy (id), label, budget (entries per KV head or % kept), step (token position),
 * token_id, token (text), kl_to_full (nats), top1_agrees (1/0), nll (nats), attention_mass_kept (0..1),
 * output_error (relative), cache_bytes, full_cache_bytes, percent_kept (cache bytes as % of full-cache
 * bytes), entries_kept (entries held over all layers and KV heads).
 */
final class MetricsCsv {

    static final List<String> HEADER = List.of("lane", "policy", "label", "budget", "step", "token_id", "token",
            "kl_to_full", "top1_agrees", "nll", "attention_mass_kept", "output_error", "cache_bytes",
            "full_cache_bytes", "percent_kept", "entries_kept");

    private MetricsCsv() {
    }

    static void write(SessionTables tables, Path file) throws IOException {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(CsvText.row(HEADER));
            for (StepMetrics s : tables.steps()) {
                var q = s.quality();
                var m = s.memory();
                out.write(CsvText.row(List.of(
                        Integer.toString(s.lane().index()),
                        s.lane().policy(),
                        s.lane().label(),
                        s.lane().budget(),
                        Integer.toString(s.step()),
                        s.token() == null ? "" : Integer.toString(s.token().token()),
                        s.token() == null ? "" : s.token().text(),
                        q == null ? "" : CsvText.number(q.klToFull()),
                        q == null ? "" : (q.top1Agrees() ? "1" : "0"),
                        q == null ? "" : CsvText.number(q.nll()),
                        q == null ? "" : CsvText.number(q.attentionMassKept()),
                        q == null ? "" : CsvText.number(q.outputError()),
                        m == null ? "" : Long.toString(m.totalBytes()),
                        m == null ? "" : Long.toString(m.fullCacheBytes()),
                        CsvText.number(s.percentKept()),
                        Long.toString(s.entriesKept()))));
            }
        }
    }
}
