package dev.kvlens.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Element-wise and reduction kernels over float arrays, with the Vector API. */
public final class VectorOps {

    static final VectorSpecies<Float> F = Simd.F;
    private static final int L = F.length();

    private VectorOps() {
    }

    /** {@code sum a[aOff + i] * b[bOff + i]} for {@code i < n}. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        int i = 0;
        for (int bound = n - 4 * L; i <= bound; i += 4 * L) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), acc1);
            acc2 = FloatVector.fromArray(F, a, aOff + i + 2 * L).fma(FloatVector.fromArray(F, b, bOff + i + 2 * L), acc2);
            acc3 = FloatVector.fromArray(F, a, aOff + i + 3 * L).fma(FloatVector.fromArray(F, b, bOff + i + 3 * L), acc3);
        }
        for (int bound = n - L; i <= bound; i += L) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
        }
        float sum = Simd.sum(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /**
     * RMS norm as llama.cpp computes it: {@code out = x / sqrt(mean(x^2) + eps) * weight}.
     * {@code out} may be {@code x} itself.
     */
    public static void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        float ss = dot(x, xOff, x, xOff, n);
        float scale = (float) (1.0 / Math.sqrt(ss / n + eps));
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).mul(scale).mul(FloatVector.fromArray(F, weight, i))
                    .intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] * scale * weight[i];
        }
    }

    /** Softmax of {@code x[off .. off + n)} in place, with the maximum subtracted first. */
    public static void softmax(float[] x, int off, int n) {
        if (n <= 0) {
            return;
        }
        float max = max(x, off, n);
        FloatVector sumV = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector e = Simd.exp(FloatVector.fromArray(F, x, off + i).sub(max));
            e.intoArray(x, off + i);
            sumV = e.add(sumV); // receiver of exact type (see max)
        }
        float sum = Simd.sum(sumV);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        scale(x, off, 1.0f / sum, n);
    }

    /** Largest of {@code x[off .. off + n)}; negative infinity when {@code n == 0}. */
    public static float max(float[] x, int off, int n) {
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            // The loaded vector is the receiver: on the loop's phi C2 lost the exact vector class, left
            // max a virtual call and boxed a vector per iteration (with softmax's sum, ~8% of a decode profile).
            m = FloatVector.fromArray(F, x, off + i).max(m);
        }
        float max = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        return max;
    }

    /** {@code x[off + i] *= s}. */
    public static void scale(float[] x, int off, float s, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= s;
        }
    }

    /** {@code out[outOff + i] += a * x[xOff + i]}. */
    public static void axpy(float[] out, int outOff, float a, float[] x, int xOff, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(FloatVector.broadcast(F, a), FloatVector.fromArray(F, out, outOff + i))
                    .intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] += a * x[xOff + i];
        }
    }

    /** SwiGLU's gate: {@code gate[i] = silu(gate[i]) * up[i]} with {@code silu(g) = g / (1 + e^-g)}. */
    public static void siluMul(float[] gate, int gateOff, float[] up, int upOff, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, gateOff + i);
            FloatVector silu = g.div(Simd.exp(g.neg()).add(1f));
            silu.mul(FloatVector.fromArray(F, up, upOff + i)).intoArray(gate, gateOff + i);
        }
        for (; i < n; i++) {
            float g = gate[gateOff + i];
            gate[gateOff + i] = (float) (g / (1.0 + Math.exp(-g))) * up[upOff + i];
        }
    }

    /** {@code out[outOff + i] += x[xOff + i]} (residual connections). */
    public static void add(float[] out, int outOff, float[] x, int xOff, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, out, outOff + i).add(FloatVector.fromArray(F, x, xOff + i))
                    .intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] += x[xOff + i];
        }
    }
}
