package dev.kvlens.inference.policy.profiled;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.Architecture;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.model.LlamaModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.RopeScaling;
import dev.kvlens.inference.model.RopeStyle;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.KvPolicy;
import dev.kvlens.inference.policy.PolicyCache;
import dev.kvlens.inference.policy.PolicyContext;
import dev.kvlens.inference.policy.PolicyRegistry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FastGen classifies special and punctuation tokens by the ids in the policy context: a model
 * without weights (no embedding rows to match) and hand-made attention, 1 layer, 1 head, d = 2.
 */
class FastGenTokenIdTest {

    @TempDir
    Path dir;

    private KvPolicy policy(double threshold) {
        // vocabulary of 8: special {0}, punctuation {5}
        Path table = dir.resolve("fastgen.json");
        ProfileTables.write(new ProfileTable(ProfileTables.VERSION, "fastgen", "hand-made", 1, 1, 1, List.of(), null,
                null, new FastGenTable(new int[] {0}, new int[] {5}), null, 0), table);
        return PolicyRegistry.create("fastgen:table=" + table + ",T=" + threshold, Budget.UNLIMITED);
    }

    private static PolicyContext context(KvPolicy policy) {
        ModelConfig c = new ModelConfig(Architecture.LLAMA, "hand-made", 2, 1, 1, 1, 2, 4, 8, 64, 1e-5f, 10000f, 2,
                RopeStyle.ADJACENT_PAIRS, RopeScaling.NONE, null);
        return new PolicyContext(new LlamaModel(c, null), new PolicyCache(1, 1, 2, policy));
    }

    private static void append(PolicyContext context, int position) {
        context.cache().head(0, 0).append(position, new float[] {position, 1}, 0, new float[] {1, position}, 0);
    }

    private static HeadAttention row(PolicyContext context, int position, float... weights) {
        KvHeadStore s = context.cache().head(0, 0);
        return new HeadAttention(0, 0, 0, position, new float[2], 0, weights, weights.length, s);
    }

    private static int[] kept(PolicyContext context) {
        KvHeadStore s = context.cache().head(0, 0);
        int[] p = new int[s.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = s.position(i);
        }
        return p;
    }

    @Test
    void specialAndPunctuationTokensAreFoundByTheirIds() {
        KvPolicy policy = policy(0.9);
        PolicyContext context = context(policy);
        // prompt ids: 0 (special), 3, 5 (punct), 4, 6, 5 (punct)
        context.tokens().addAll(new int[] {0, 3, 5, 4, 6, 5});
        AttentionListener listener = policy.beginPrefill(context, 6);
        for (int p = 0; p < 6; p++) {
            append(context, p);
        }
        // causal rows of the prompt (row i over positions 0..i):
        //   special mass (pos 0):  1 + .9 + .5 + .5 + .4 + .4 = 3.7   -> r1 = 3.7 / 6 = 0.617 < 0.9
        //   punctuation (pos 2, 5): .5 + .5 + .4 + .5 + .1 = 2.0      -> r2 = 5.7 / 6 = 0.95 >= 0.9
        // so the head keeps special + punctuation: positions 0, 2, 5
        listener.onAttention(row(context, 0, 1f));
        listener.onAttention(row(context, 1, 0.9f, 0.1f));
        listener.onAttention(row(context, 2, 0.5f, 0f, 0.5f));
        listener.onAttention(row(context, 3, 0.5f, 0f, 0.5f, 0f));
        listener.onAttention(row(context, 4, 0.4f, 0f, 0.4f, 0.1f, 0.1f));
        listener.onAttention(row(context, 5, 0.4f, 0f, 0.5f, 0f, 0f, 0.1f));
        policy.endPrefill(context, (PolicyCache) context.cache());
        assertArrayEquals(new int[][] {{FastGenPolicy.PUNCTUATION}}, ((FastGenPolicy) policy).choices());
        assertArrayEquals(new int[] {0, 2, 5}, kept(context));

        // decoding: id 5 (punctuation) at position 6 is kept, id 3 at position 7 is not
        context.tokens().add(5);
        AttentionListener step = policy.beginStep(context, 6);
        append(context, 6);
        step.onAttention(row(context, 6, 0.25f, 0.25f, 0.25f, 0.25f));
        policy.endStep(context, 6, (PolicyCache) context.cache());
        assertArrayEquals(new int[] {0, 2, 5, 6}, kept(context));

        context.tokens().add(3);
        step = policy.beginStep(context, 7);
        append(context, 7);
        step.onAttention(row(context, 7, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f));
        policy.endStep(context, 7, (PolicyCache) context.cache());
        assertArrayEquals(new int[] {0, 2, 5, 6}, kept(context));
    }

    @Test
    void withoutTokenIdsOrWithForeignIdsItSaysWhy() {
        KvPolicy policy = policy(0.9);
        PolicyContext empty = context(policy);
        assertThrows(IllegalStateException.class, () -> policy.beginPrefill(empty, 3));
        PolicyContext foreign = context(policy);
        foreign.tokens().addAll(new int[] {0, 9, 1});
        assertThrows(IllegalArgumentException.class, () -> policy.beginPrefill(foreign, 3));
    }
}
