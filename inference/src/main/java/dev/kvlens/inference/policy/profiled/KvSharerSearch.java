package dev.kvlens.inference.policy.profiled;

import dev.kvlens.inference.policy.profiled.KvSharerTable.PairTrial;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * KVSharer's strategy search (POLICIES.md 15.4, after the authors' notebook): layer pairs
 * {@code (i, j), i > j} by descending distance; a pair is skipped when {@code i} already shares;
 * otherwise {@code i} tentatively reads {@code j}'s cache (chains resolved to their first layer),
 * and the pair is kept when the similarity of final hidden states exceeds the threshold; the
 * search stops after {@code shareLayers} accepted pairs. Equal distances go to the lower
 * {@code i}, then the lower {@code j} (the notebook's argsort leaves them in no defined order).
 */
final class KvSharerSearch {

    private KvSharerSearch() {
    }

    /** A candidate pair: {@code layer} would read {@code source}'s cache. */
    record Pair(int layer, int source, double distance) {
    }

    /** Every pair {@code i > j}, most distant first. */
    static List<Pair> order(double[][] distance) {
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < distance.length; i++) {
            for (int j = 0; j < i; j++) {
                pairs.add(new Pair(i, j, distance[i][j]));
            }
        }
        pairs.sort(Comparator.comparingDouble(Pair::distance).reversed()
                .thenComparingInt(Pair::layer).thenComparingInt(Pair::source));
        return pairs;
    }

    /**
     * Resolves chains (the notebook's {@code re_map}): in layer order, a layer that shares reads the
     * resolved source of the layer it names, which is lower and so already resolved.
     */
    static int[] resolve(int[] sources) {
        int[] out = new int[sources.length];
        for (int l = 0; l < sources.length; l++) {
            int s = sources[l];
            if (s < 0 || s > l) {
                throw new IllegalArgumentException("layer " + l + " cannot read layer " + s + ": only lower layers");
            }
            out[l] = s == l ? l : out[s];
        }
        return out;
    }

    /**
     * @param similarity mean cosine similarity of final hidden states when layer l reads sources[l]
     *                   (resolved) instead of its own cache
     */
    static KvSharerTable search(double[][] distance, int shareLayers, double threshold,
                                ToDoubleFunction<int[]> similarity, List<String> texts) {
        int layers = distance.length;
        int[] sources = new int[layers];
        for (int l = 0; l < layers; l++) {
            sources[l] = l;
        }
        List<PairTrial> tried = new ArrayList<>();
        int accepted = 0;
        for (Pair p : order(distance)) {
            if (accepted >= shareLayers) {
                break;
            }
            if (sources[p.layer()] != p.layer()) {
                continue; // i already shares
            }
            int[] tentative = sources.clone();
            tentative[p.layer()] = p.source();
            tentative = resolve(tentative);
            double sim = similarity.applyAsDouble(tentative.clone());
            boolean ok = sim > threshold;
            tried.add(new PairTrial(p.layer(), p.source(), p.distance(), sim, ok));
            if (ok) {
                sources = tentative;
                accepted++;
            }
        }
        return new KvSharerTable(shareLayers, threshold, distance, sources, tried, texts);
    }
}
