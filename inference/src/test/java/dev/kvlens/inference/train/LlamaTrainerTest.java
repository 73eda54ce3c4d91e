package dev.kvlens.inference.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LlamaTrainerTest {

    private static final int VOCAB = 32;
    private static final int SYMBOLS = 8;
    private static final int BOS = 30;
    private static final int SEP = 29;
    private static final int EOS = 31;

    /**
     * [BOS, s1..s7, SEP, s1..s7, EOS] with s drawn uniformly from 8 symbols: 17 ids, one window of
     * context 16. Of the 16 targets, the first 7 are unpredictable (ln 8 nats each at best) and the
     * other 9 are determined by what came before, so a model that copies reaches 7 ln 8 / 16 = 0.91
     * nats per token, while one that cannot copy stays at or above 14 ln 8 / 16 = 1.82.
     */
    private static TrainingWindows copyTask(long seed) {
        Random random = new Random(seed);
        return () -> {
            int[] w = new int[17];
            w[0] = BOS;
            for (int i = 1; i <= 7; i++) {
                w[i] = random.nextInt(SYMBOLS);
                w[i + 8] = w[i];
            }
            w[8] = SEP;
            w[16] = EOS;
            return MarkedTokens.unmarked(w);
        };
    }

    private static final ModelShape SHAPE = new ModelShape(2, 32, 4, 2, 64, 16, 10000f, 1e-5f);

    @Test
    void learnsToCopy() {
        TrainingSettings settings = new TrainingSettings(160, 16, 6e-3, 6e-4, 10, 0.9, 0.95, 0.0, 1.0, 0.02, 20);
        LlamaTrainer trainer = new LlamaTrainer(SHAPE, VOCAB, settings, 1);
        List<LossPoint> curve = trainer.train(copyTask(5), null);
        System.out.println("copy task loss: " + curve);
        double first = curve.getFirst().loss();
        double last = curve.getLast().loss();
        assertEquals(160, trainer.stepsDone());
        // The first 20 steps start from ln 32 = 3.47 nats (uniform over the vocabulary).
        assertTrue(first > 2.0, "first loss " + first);
        assertTrue(last < 1.3, "copying should bring the loss well below the 1.82 of a model that cannot copy: "
                + curve);
    }

    @Test
    void twoThreadsEachOnHalfTheBatchTrainAsOne() {
        TrainingSettings settings = new TrainingSettings(4, 4, 1e-3, 1e-4, 2, 0.9, 0.95, 0.1, 1.0, 0.02, 2);
        LlamaTrainer one = new LlamaTrainer(SHAPE, VOCAB, settings, 42);
        LlamaTrainer two = new LlamaTrainer(SHAPE, VOCAB, settings, 42);
        two.useThreads(2);
        List<LossPoint> a = one.train(copyTask(9), null);
        List<LossPoint> b = two.train(copyTask(9), null);
        assertEquals(a.getLast().loss(), b.getLast().loss(), 1e-4);
        float[] x = one.engineRows("blk.1.attn_v.weight");
        float[] y = two.engineRows("blk.1.attn_v.weight");
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], y[i], 1e-5, "weight " + i);
        }
        assertThrows(BadRecipeException.class, () -> new LlamaTrainer(SHAPE, VOCAB, settings, 1).useThreads(3),
                "a batch of 4 does not split over 3 threads");
    }

    @Test
    void sameSeedSameWeightsDifferentSeedDifferentWeights() {
        TrainingSettings settings = new TrainingSettings(4, 4, 1e-3, 1e-4, 2, 0.9, 0.95, 0.1, 1.0, 0.02, 2);
        LlamaTrainer a = new LlamaTrainer(SHAPE, VOCAB, settings, 42);
        LlamaTrainer b = new LlamaTrainer(SHAPE, VOCAB, settings, 42);
        LlamaTrainer c = new LlamaTrainer(SHAPE, VOCAB, settings, 43);
        a.train(copyTask(9), null);
        b.train(copyTask(9), null);
        c.train(copyTask(9), null);
        for (LlamaParameter p : a.parameters()) {
            assertArrayEquals(a.engineRows(p.name()), b.engineRows(p.name()), p.name());
        }
        assertFalse(Arrays.equals(a.engineRows("blk.0.attn_q.weight"), c.engineRows("blk.0.attn_q.weight")));
        // Training moved the weights: a fresh trainer with the same seed differs from the trained one.
        LlamaTrainer fresh = new LlamaTrainer(SHAPE, VOCAB, settings, 42);
        assertFalse(Arrays.equals(a.engineRows("blk.1.ffn_down.weight"), fresh.engineRows("blk.1.ffn_down.weight")));
    }

    @Test
    void initialLossIsThatOfAnUninformedModel() {
        TrainingSettings settings = new TrainingSettings(1, 4, 1e-3, 1e-4, 0, 0.9, 0.95, 0.0, 1.0, 0.02, 1);
        LlamaTrainer trainer = new LlamaTrainer(SHAPE, VOCAB, settings, 3);
        TrainingWindows data = copyTask(2);
        double loss = trainer.step(new int[][] {data.next().ids(), data.next().ids(), data.next().ids(),
                data.next().ids()});
        // Weights of std 0.02 give near-zero logits: the loss is ln 32 = 3.4657 to within a few hundredths.
        assertEquals(Math.log(VOCAB), loss, 0.05);
    }

    /** Window {@code w} with its second half (the copy) marked as answers when {@code marked}. */
    private static MarkedTokens marked(MarkedTokens w, boolean marked) {
        boolean[] answers = new boolean[w.length()];
        for (int i = 9; i < 16 && marked; i++) {
            answers[i] = true;
        }
        return new MarkedTokens(w.ids(), answers);
    }

    @Test
    void answerWeightActsAsRepeatingTheAnswers() {
        // Hand-worked: with answers weighing 3 and every target of window A marked, the weighted mean
        // over {A, B} is (3 sum_A + sum_B) / (3*16 + 16): the plain mean over {A, A, A, B}. Both
        // trainers must move the weights alike; the plain {A, B} must not.
        TrainingWindows data = copyTask(4);
        MarkedTokens a0 = data.next();
        MarkedTokens b = data.next();
        boolean[] all = new boolean[17];
        Arrays.fill(all, true);
        MarkedTokens a = new MarkedTokens(a0.ids(), all);
        TrainingSettings weighted = new TrainingSettings(3, 2, 1e-2, 1e-3, 0, 0.9, 0.95, 0.0, 0.0, 0.02, 1, 3);
        TrainingSettings plain = new TrainingSettings(3, 4, 1e-2, 1e-3, 0, 0.9, 0.95, 0.0, 0.0, 0.02, 1, 1);
        LlamaTrainer x = new LlamaTrainer(SHAPE, VOCAB, weighted, 7);
        LlamaTrainer y = new LlamaTrainer(SHAPE, VOCAB, plain, 7);
        LlamaTrainer z = new LlamaTrainer(SHAPE, VOCAB, plain, 7);
        MarkedTokens a1 = MarkedTokens.unmarked(a.ids());
        for (int step = 0; step < 3; step++) {
            x.step(new MarkedTokens[] {a, b});
            y.step(new MarkedTokens[] {a1, a1, a1, b});
            z.step(new MarkedTokens[] {a1, b});
        }
        float[] wx = x.engineRows("blk.0.attn_k.weight");
        float[] wy = y.engineRows("blk.0.attn_k.weight");
        float[] wz = z.engineRows("blk.0.attn_k.weight");
        double differs = 0;
        for (int i = 0; i < wx.length; i++) {
            assertEquals(wy[i], wx[i], 2e-5, "weight " + i);
            differs = Math.max(differs, Math.abs(wz[i] - wx[i]));
        }
        assertTrue(differs > 1e-4, "weighting the answers changed nothing: " + differs);
    }

    @Test
    void stepLossesAreTheMeanCrossEntropiesOfAllAndOfTheAnswerTargets() {
        TrainingSettings settings = new TrainingSettings(1, 2, 1e-3, 1e-4, 0, 0.9, 0.95, 0.0, 1.0, 0.5, 1, 5);
        LlamaTrainer trainer = new LlamaTrainer(SHAPE, VOCAB, settings, 11);
        TrainingWindows data = copyTask(6);
        // a shorter window than the model's context (9 of 17 ids): curricula train on such
        MarkedTokens[] windows = new MarkedTokens[2];
        for (int s = 0; s < 2; s++) {
            MarkedTokens w = marked(data.next(), s == 1);
            windows[s] = new MarkedTokens(Arrays.copyOfRange(w.ids(), 4, 13), Arrays.copyOfRange(w.answers(), 4, 13));
        }
        double all = 0;
        double answers = 0;
        int answerCount = 0;
        for (MarkedTokens w : windows) {
            float[] logits = trainer.logits(Arrays.copyOf(w.ids(), 8));
            for (int i = 0; i < 8; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < VOCAB; v++) {
                    max = Math.max(max, logits[i * VOCAB + v]);
                }
                double sum = 0;
                for (int v = 0; v < VOCAB; v++) {
                    sum += Math.exp(logits[i * VOCAB + v] - max);
                }
                double ce = max + Math.log(sum) - logits[i * VOCAB + w.ids()[i + 1]];
                all += ce;
                if (w.answers()[i + 1]) {
                    answers += ce;
                    answerCount++;
                }
            }
        }
        LlamaTrainer.StepLoss loss = trainer.step(windows);
        assertEquals(4, answerCount); // ids 9..12 of the second window
        assertEquals(answerCount, loss.answers());
        assertEquals(all / 16, loss.loss(), 1e-4);
        assertEquals(answers / answerCount, loss.answerLoss(), 1e-4);
        assertTrue(Math.abs(loss.answerLoss() - loss.loss()) > 1e-3, "init std 0.5: the targets' losses differ");
    }

    @Test
    void rejectsWindowsOfTheWrongLengthOrIds() {
        TrainingSettings settings = new TrainingSettings(1, 1, 1e-3, 1e-4, 0, 0.9, 0.95, 0.0, 1.0, 0.02, 1);
        LlamaTrainer trainer = new LlamaTrainer(SHAPE, VOCAB, settings, 3);
        assertThrows(IllegalArgumentException.class, () -> trainer.step(new int[][] {new int[18]}), "longer than the context");
        assertThrows(IllegalArgumentException.class, () -> trainer.step(new int[][] {new int[1]}), "no target");
        int[] bad = new int[17];
        bad[3] = VOCAB;
        assertThrows(IllegalArgumentException.class, () -> trainer.step(new int[][] {bad}));
    }

    @Test
    void learningRateWarmsUpLinearlyThenFollowsACosine() {
        TrainingSettings s = new TrainingSettings(11, 1, 1e-3, 1e-4, 2, 0.9, 0.95, 0.0, 1.0, 0.02, 1);
        assertEquals(0.5e-3, s.learningRateAt(0), 1e-15);
        assertEquals(1e-3, s.learningRateAt(1), 1e-15);
        // Decay over steps 2..10 (9 steps): start at the peak, halfway (step 6) at the mean, end at the minimum.
        assertEquals(1e-3, s.learningRateAt(2), 1e-15);
        assertEquals(0.55e-3, s.learningRateAt(6), 1e-15);
        assertEquals(1e-4, s.learningRateAt(10), 1e-15);
    }
}
