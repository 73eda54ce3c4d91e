package dev.kvlens.inference.policy.profiled;

import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.policy.CacheEditor;
import dev.kvlens.inference.policy.Ranking;
import dev.kvlens.inference.policy.SnapKvScoring;
import dev.kvlens.inference.policy.WindowAttentionCollector;

/**
 * Token choice inside each (layer, KV head) once a profiled policy has given it its own budget
 * (BaKlaVa-like, SurfaceLogicKV-like): SnapKV's window score, top {@code b - w} prefix entries plus
 * the window (POLICIES.md 11.6, 12.6). A head whose budget is at most the window keeps its last
 * {@code b} entries: the window is what SnapKV protects first. Reuses the SnapKV engineer's
 * {@link WindowAttentionCollector} and {@link SnapKvScoring}.
 */
final class PerHeadSnapKvSelection {

    private PerHeadSnapKvSelection() {
    }

    static void apply(ModelConfig c, CacheEditor editor, WindowAttentionCollector collector, SnapKvScoring scoring,
                      int[][] budgets) {
        for (int l = 0; l < c.layers(); l++) {
            for (int g = 0; g < c.kvHeads(); g++) {
                int n = editor.store(l, g).size();
                int b = budgets[l][g];
                if (b >= n) {
                    continue;
                }
                int[] keep;
                if (b <= scoring.window() || collector.windowStart() == 0) {
                    keep = Ranking.range(n - b, n);
                } else {
                    float[] scores = scoring.prefixScores(collector, l, g, c.groupSize(), false);
                    keep = SnapKvScoring.keep(scores, b - (n - collector.windowStart()), collector.windowStart(), n);
                }
                editor.retain(l, g, keep, b);
            }
        }
    }
}
