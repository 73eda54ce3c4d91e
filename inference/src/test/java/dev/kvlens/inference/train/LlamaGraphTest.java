package dev.kvlens.inference.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LlamaGraphTest {

    private static final ModelShape SHAPE = new ModelShape(2, 32, 4, 2, 64, 16, 10000f, 1e-5f);
    private static final int VOCAB = 32;
    private static final int BATCH = 2;
    private static final int LENGTH = 12;

    static {
        new LlamaTrainer(SHAPE, VOCAB, new TrainingSettings(4, 4, 1e-3, 1e-4, 2, 0.9, 0.95, 0.1, 1.0, 0.02, 2), 1); // prepares ND4J as training does
    }

    private static Map<String, INDArray> randomWeights(List<LlamaParameter> parameters) {
        Map<String, INDArray> weights = new HashMap<>();
        Random random = new Random(5);
        for (LlamaParameter p : parameters) {
            float[] values = new float[Math.toIntExact(p.elements())];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (random.nextGaussian() * 0.2);
            }
            weights.put(p.name(), Nd4j.create(values, p.trainerShape(), 'c'));
        }
        return weights;
    }

    private static Map<String, INDArray> feed(LlamaGraph graph, long seed) {
        Random random = new Random(seed);
        int[][] tokens = new int[BATCH][LENGTH];
        int[][] targets = new int[BATCH][LENGTH];
        float[][] weights = new float[BATCH][LENGTH];
        for (int s = 0; s < BATCH; s++) {
            for (int t = 0; t < LENGTH; t++) {
                tokens[s][t] = random.nextInt(VOCAB);
                targets[s][t] = random.nextInt(VOCAB);
                weights[s][t] = 1f / (BATCH * LENGTH);
            }
        }
        return graph.feed(tokens, targets, weights);
    }

    /**
     * The second call reuses the first call's arrays (same native buffers) and still computes exactly
     * what ND4J's own session memory manager computes for that block: nothing stale leaks in.
     */
    @Test
    void gradientsReuseTheLastCallsArraysAndMatchNd4jsOwnSession() {
        List<LlamaParameter> parameters = LlamaGraph.parameters(SHAPE, VOCAB);
        Map<String, INDArray> weights = randomWeights(parameters);
        List<String> variables = parameters.stream().map(LlamaParameter::variableName).toList();
        List<String> outputs = List.of(LlamaGraph.LOSS, LlamaGraph.TOKEN_LOSS);

        LlamaGraph pooled = new LlamaGraph(SHAPE, parameters, weights, VOCAB, BATCH, LENGTH);
        pooled.prepareGradients();
        LlamaGraph plain = new LlamaGraph(SHAPE, parameters, weights, VOCAB, BATCH, LENGTH);
        plain.prepareGradients();

        OutAndGrad first = pooled.gradients(feed(pooled, 1), outputs, variables);
        Map<String, Long> firstBuffers = new HashMap<>();
        for (String v : variables) {
            firstBuffers.put(v, first.getGradients().get(v).data().address());
        }
        OutAndGrad second = pooled.gradients(feed(pooled, 2), outputs, variables);
        OutAndGrad expected = plain.sameDiff().calculateGradientsAndOutputs(feed(plain, 2), outputs, variables);

        assertEquals(expected.getOutputs().get(LlamaGraph.LOSS).getFloat(0),
                second.getOutputs().get(LlamaGraph.LOSS).getFloat(0));
        assertArrayEquals(expected.getOutputs().get(LlamaGraph.TOKEN_LOSS).data().asFloat(),
                second.getOutputs().get(LlamaGraph.TOKEN_LOSS).data().asFloat());
        long reused = 0;
        for (String v : variables) {
            assertArrayEquals(expected.getGradients().get(v).dup('c').data().asFloat(),
                    second.getGradients().get(v).dup('c').data().asFloat(), v);
            if (second.getGradients().get(v).data().address() == firstBuffers.get(v)) {
                reused++;
            }
        }
        assertEquals(variables.size(), reused, "gradient buffers reused from the first call");
        pooled.close();
    }
}
