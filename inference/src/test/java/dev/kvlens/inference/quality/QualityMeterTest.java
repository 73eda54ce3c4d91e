package dev.kvlens.inference.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.PolicyLane;
import dev.kvlens.inference.policy.PolicyRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class QualityMeterTest {

    private static final Path MODELS = Path.of(System.getProperty("kvlens.models", "../../shared/models"));

    @Test
    void klNllAndAgreementByHand() {
        // p = softmax(ln 1, ln 3) = (1/4, 3/4); q = softmax(0, 0) = (1/2, 1/2)
        float[] p = {0f, (float) Math.log(3)};
        float[] q = {0f, 0f};
        double expected = 0.25 * Math.log(0.25 / 0.5) + 0.75 * Math.log(0.75 / 0.5);
        assertEquals(expected, Distributions.klDivergence(p, q), 1e-6);
        assertEquals(0, Distributions.klDivergence(p, p), 1e-12);
        assertEquals(-Math.log(0.25), Distributions.nll(p, 0), 1e-6);
        assertEquals(1, Distributions.argmax(p));
    }

    @Test
    void relativeErrorByHand() {
        // reference (3, 4) has norm 5; difference (0, 1) has norm 1
        assertEquals(0.2, QualityMeter.relativeError(new float[] {3, 4}, new float[] {3, 5}), 1e-9);
    }

    @Test
    void aFullLaneMatchesTheReferenceExactly() {
        try (LoadedModel loaded = ModelLoader.load(MODELS.resolve("stories260K.gguf"))) {
            int[] prompt = {1, 403, 407, 261, 378};
            PolicyLane reference = new PolicyLane(loaded.model(), PolicyRegistry.create("full", Budget.UNLIMITED));
            PolicyLane lane = new PolicyLane(loaded.model(), PolicyRegistry.create("full", Budget.UNLIMITED));
            reference.prefill(prompt, null, false);
            lane.prefill(prompt, null, false);
            var config = loaded.config();
            StepAttention fa = new StepAttention(config, 5);
            StepAttention la = new StepAttention(config, 5);
            float[] f = reference.step(432, fa);
            float[] l = lane.step(432, la);
            StepQuality q = QualityMeter.measure(config, 5, f, l, 383, fa, la);
            assertEquals(0, q.klToFull(), 1e-9);
            assertTrue(q.top1Agrees());
            assertEquals(1.0, q.attentionMassKept(), 1e-6);
            assertEquals(0, q.meanOutputError(), 1e-9);
            assertTrue(q.nll() > 0 && Double.isFinite(q.nll()));
        }
    }
}
