package dev.kvlens.inference.report;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code summary.csv}: one row per lane. Budgets are labelled as entries per KV head or % kept, never as a
 * compression ratio. Columns: lane, policy, label, budget, simulated (true when the policy only masks),
 * steps, final_bytes, full_cache_bytes (at the same step), percent_of_full_bytes, final_entries_kept
 * (over all layers and KV heads), mean_kl (nats), top1_agreement_pct, mean_nll (nats),
 * mean_attention_mass_kept (0..1), mean_output_error, task_score (empty when none was supplied).
 */
final class SummaryCsv {

    static final List<String> HEADER = List.of("lane", "policy", "label", "budget", "simulated", "steps",
            "final_bytes", "full_cache_bytes", "percent_of_full_bytes", "final_entries_kept", "mean_kl",
            "top1_agreement_pct", "mean_nll", "mean_attention_mass_kept", "mean_output_error", "task_score");

    private SummaryCsv() {
    }

    static void write(SessionTables tables, Path file) throws IOException {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(CsvText.row(HEADER));
            for (LaneSummary s : tables.lanes()) {
                out.write(CsvText.row(List.of(
                        Integer.toString(s.lane().index()),
                        s.lane().policy(),
                        s.lane().label(),
                        s.lane().budget(),
                        Boolean.toString(s.lane().simulated()),
                        Integer.toString(s.steps()),
                        s.finalBytes() < 0 ? "" : Long.toString(s.finalBytes()),
                        s.finalFullBytes() < 0 ? "" : Long.toString(s.finalFullBytes()),
                        CsvText.number(s.percentOfFull()),
                        Long.toString(s.finalEntriesTotal()),
                        CsvText.number(s.meanKl()),
                        CsvText.number(s.top1AgreementPct()),
                        CsvText.number(s.meanNll()),
                        CsvText.number(s.meanAttentionKept()),
                        CsvText.number(s.meanOutputError()),
                        CsvText.number(s.taskScore()))));
            }
        }
    }
}
