package dev.kvlens.kernels.backend;

import dev.kvlens.kernels.WeightMatrix;

/** One forward pass's products on an {@link AutoBackend}: each matmul where the rule sends it, matvecs on the Vector API. */
final class AutoProducts implements MatrixProducts {

    private final AutoBackend backend;
    private final MatrixProducts vectorApi;
    private final MatrixProducts nd4j;

    AutoProducts(AutoBackend backend, MatrixProducts vectorApi, MatrixProducts nd4j) {
        this.backend = backend;
        this.vectorApi = vectorApi;
        this.nd4j = nd4j;
    }

    @Override
    public void matvec(WeightMatrix m, float[] x, float[] out) {
        vectorApi.matvec(m, x, out);
    }

    @Override
    public void matmul(WeightMatrix m, float[] x, int n, float[] out) {
        (backend.onNd4j(m, n) ? nd4j : vectorApi).matmul(m, x, n, out);
    }

    @Override
    public void matvecs(float[] x, WeightMatrix a, float[] outA, WeightMatrix b, float[] outB,
                        WeightMatrix c, float[] outC) {
        vectorApi.matvecs(x, a, outA, b, outB, c, outC);
    }
}
