package dev.kvlens.inference.session;

/** The k most likely tokens of a logit vector, best first; ties go to the lower id. */
final class TopTokens {

    private TopTokens() {
    }

    static int[] of(float[] logits, int k) {
        int n = Math.min(k, logits.length);
        int[] ids = new int[n];
        int filled = 0;
        for (int id = 0; id < logits.length; id++) {
            float v = logits[id];
            if (filled == n && !(v > logits[ids[n - 1]])) {
                continue; // not better than the worst kept; equal values keep the lower id already held
            }
            int at = filled < n ? filled++ : n - 1;
            while (at > 0 && v > logits[ids[at - 1]]) {
                ids[at] = ids[at - 1];
                at--;
            }
            ids[at] = id;
        }
        return ids;
    }

    static float[] values(float[] logits, int[] ids) {
        float[] out = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = logits[ids[i]];
        }
        return out;
    }
}
