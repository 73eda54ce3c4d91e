package dev.kvlens.inference.session;

import dev.kvlens.inference.cache.KvHeadStore;
import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import dev.kvlens.inference.session.event.AttentionFrame;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Turns one lane's attention into {@link AttentionFrame}s as the forward pass computes it: binned
 * frames (a fixed number of position bins, so a frame's size does not grow with the context) for
 * every head when anyone wants them, full-resolution frames only for the heads asked for. Nothing is
 * kept between calls: frames go straight to the bus, which coalesces them per subscriber.
 */
final class FrameCapture implements AttentionListener {

    private final int lane;
    private final int bins;
    private final FrameRequest demand;
    private final Consumer<AttentionFrame> sink;

    FrameCapture(int lane, int bins, FrameRequest demand, Consumer<AttentionFrame> sink) {
        this.lane = lane;
        this.bins = bins;
        this.demand = demand;
        this.sink = sink;
    }

    /** A capture for {@code demand}, or null when nobody wants frames. */
    static FrameCapture of(int lane, int bins, FrameRequest demand, Consumer<AttentionFrame> sink) {
        return demand.wantsAny() ? new FrameCapture(lane, bins, demand, sink) : null;
    }

    @Override
    public boolean wants(int layer, int position) {
        if (demand.binned()) {
            return true;
        }
        for (HeadRef h : demand.fullResolution()) {
            if (h.layer() == layer) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void onAttention(HeadAttention a) {
        if (demand.binned()) {
            sink.accept(binned(lane, a, bins));
        }
        if (demand.fullResolution().contains(new HeadRef(a.layer(), a.head()))) {
            KvHeadStore store = a.cache();
            int[] positions = new int[a.entries()];
            for (int i = 0; i < positions.length; i++) {
                positions[i] = store.position(i);
            }
            sink.accept(new AttentionFrame(lane, a.position(), a.layer(), a.head(), false, positions,
                    Arrays.copyOf(a.weights(), a.entries())));
        }
    }

    /**
     * Sums the weights into {@code min(bins, step + 1)} equal bins over positions {@code [0, step]}:
     * position p falls in bin {@code floor(p * nb / (step + 1))}, whose lower edge is
     * {@code ceil(b * (step + 1) / nb)}.
     */
    static AttentionFrame binned(int lane, HeadAttention a, int bins) {
        long span = a.position() + 1L;
        int nb = (int) Math.min(bins, span);
        int[] edges = new int[nb];
        for (int b = 0; b < nb; b++) {
            edges[b] = (int) ((b * span + nb - 1) / nb);
        }
        float[] sums = new float[nb];
        KvHeadStore store = a.cache();
        float[] w = a.weights();
        for (int i = 0; i < a.entries(); i++) {
            sums[(int) (store.position(i) * (long) nb / span)] += w[i];
        }
        return new AttentionFrame(lane, a.position(), a.layer(), a.head(), true, edges, sums);
    }
}
