package dev.kvlens.inference.policy.profiled;

/**
 * BaKlaVa-like budget family (POLICIES.md 11.4, a reconstruction):
 * {@code f[l][g] = clamp(rho * (I'/mean I')^gamma, minShare * rho, 1)}, renormalised so the mean
 * fraction is {@code rho} again. Renormalising scales the unclamped entries and repeats until no
 * entry crosses a bound (the clamped ones stay where they are).
 */
public final class BaklavaAllocation {

    private BaklavaAllocation() {
    }

    /** Combined importance {@code I'[l][g] = J[l] * I[l][g]}. */
    public static double[][] combined(double[] layer, double[][] kv) {
        double[][] out = new double[kv.length][];
        for (int l = 0; l < kv.length; l++) {
            out[l] = new double[kv[l].length];
            for (int g = 0; g < kv[l].length; g++) {
                out[l][g] = layer[l] * kv[l][g];
            }
        }
        return out;
    }

    public static double[][] fractions(double[][] importance, double rho, double gamma, double minShare) {
        if (!(rho > 0 && rho <= 1) || !(minShare >= 0 && minShare <= 1) || !(gamma >= 0)) {
            throw new IllegalArgumentException("allocation needs 0 < rho <= 1, gamma >= 0, 0 <= minShare <= 1; got rho="
                    + rho + ", gamma=" + gamma + ", minShare=" + minShare);
        }
        int rows = importance.length;
        int cols = importance[0].length;
        int count = rows * cols;
        double mean = 0;
        for (double[] r : importance) {
            for (double v : r) {
                mean += v / count;
            }
        }
        double lo = minShare * rho;
        double[] f = new double[count];
        boolean[] fixed = new boolean[count];
        for (int i = 0; i < count; i++) {
            double rel = mean > 0 ? importance[i / cols][i % cols] / mean : 1;
            f[i] = rho * (gamma == 0 ? 1 : Math.pow(rel, gamma));
        }
        double target = rho * count;
        for (int round = 0; round <= count; round++) {
            boolean changed = false;
            for (int i = 0; i < count; i++) {
                if (!fixed[i] && (f[i] < lo || f[i] > 1)) {
                    f[i] = Math.min(1, Math.max(lo, f[i]));
                    fixed[i] = true;
                    changed = true;
                }
            }
            double fixedSum = 0;
            double freeSum = 0;
            for (int i = 0; i < count; i++) {
                if (fixed[i]) {
                    fixedSum += f[i];
                } else {
                    freeSum += f[i];
                }
            }
            if (freeSum > 0) {
                double s = (target - fixedSum) / freeSum;
                for (int i = 0; i < count; i++) {
                    if (!fixed[i]) {
                        f[i] *= s;
                    }
                }
            }
            if (!changed) {
                break;
            }
        }
        double[][] out = new double[rows][cols];
        for (int i = 0; i < count; i++) {
            out[i / cols][i % cols] = Math.min(1, Math.max(lo, f[i]));
        }
        return out;
    }
}
