package dev.kvlens.viewer;

import java.util.ArrayList;
import java.util.List;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.scene.Node;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * 2-4 lanes side by side, plus a difference panel (one lane minus the full cache): head views or
 * token strips, one per lane, that share the selection (they all read the same {@link ViewSelection})
 * and move together: head views share one zoom/pan viewport, token strips one scroll offset.
 */
public final class LaneComparisonView extends StyledView {

    /** Which view each lane gets. */
    public enum Kind { HEAD_VIEW, TOKEN_STRIP }

    public static final int MAX_LANES = 4;

    private final SessionViewModel model;
    private final Kind kind;
    private final HBox row = new HBox(8);
    private final IntegerProperty differenceLane = new SimpleIntegerProperty(this, "differenceLane", -1);
    private final List<Node> panels = new ArrayList<>();
    private Node differencePanel;
    private int[] lanes = new int[0];

    public LaneComparisonView(SessionViewModel model, Kind kind) {
        this.model = model;
        this.kind = kind;
        getStyleClass().add("lane-comparison-view");
        getChildren().add(row);
        differenceLane.addListener((o, a, b) -> rebuild());
        model.sessionProperty().addListener((o, a, b) -> {
            if (lanes.length == 0) {
                rebuild();
            }
        });
        setPrefSize(1400, 600);
        rebuild();
    }

    /** Shows these lanes (2-4; by default every lane of the session, at most four). */
    public void setLanes(int... lanes) {
        if (lanes.length < 1 || lanes.length > MAX_LANES) {
            throw new IllegalArgumentException("compare 1 to " + MAX_LANES + " lanes, got " + lanes.length);
        }
        this.lanes = lanes.clone();
        rebuild();
    }

    /** Lane whose difference to the full cache is shown; -1 = the last lane shown; no panel when it is 0. */
    public IntegerProperty differenceLaneProperty() {
        return differenceLane;
    }

    /** The per-lane views, in lane order (HeadView or TokenStripView). */
    public List<Node> panels() {
        return List.copyOf(panels);
    }

    /** The difference view, or null when none is shown. */
    public Node differencePanel() {
        return differencePanel;
    }

    private int[] lanesShown() {
        if (lanes.length > 0) {
            return lanes;
        }
        int n = Math.min(MAX_LANES, model.lanes().size());
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        return all;
    }

    private void rebuild() {
        row.getChildren().clear();
        panels.clear();
        differencePanel = null;
        int[] shown = lanesShown();
        HeatmapCanvas leader = null;
        TokenStripView leaderStrip = null;
        for (int ln : shown) {
            Node v = create(ln, false);
            panels.add(v);
            row.getChildren().add(v);
            if (v instanceof HeadView hv) {
                if (leader == null) {
                    leader = hv.heatmap();
                } else {
                    hv.heatmap().viewportProperty().bindBidirectional(leader.viewportProperty());
                }
            } else if (v instanceof TokenStripView ts) {
                if (leaderStrip == null) {
                    leaderStrip = ts;
                } else {
                    ts.scrollProperty().bindBidirectional(leaderStrip.scrollProperty());
                }
            }
        }
        int diff = differenceLane.get() >= 0 ? differenceLane.get() : shown.length == 0 ? 0 : shown[shown.length - 1];
        if (diff > 0) {
            Node d = create(diff, true);
            differencePanel = d;
            row.getChildren().add(d);
            if (d instanceof HeadView hv && leader != null) {
                hv.heatmap().viewportProperty().bindBidirectional(leader.viewportProperty());
            } else if (d instanceof TokenStripView ts && leaderStrip != null) {
                ts.scrollProperty().bindBidirectional(leaderStrip.scrollProperty());
            }
        }
        for (Node n : row.getChildren()) {
            HBox.setHgrow(n, Priority.ALWAYS);
            if (n instanceof StyledView s) {
                s.setMinWidth(0);
                s.setPrefWidth(10);
            }
        }
        requestLayout();
    }

    private Node create(int lane, boolean difference) {
        if (kind == Kind.HEAD_VIEW) {
            HeadView v = new HeadView(model);
            v.laneProperty().set(lane);
            v.differenceProperty().set(difference);
            return v;
        }
        TokenStripView v = new TokenStripView(model);
        v.laneProperty().set(lane);
        v.differenceProperty().set(difference);
        VBox.setVgrow(v, Priority.ALWAYS);
        return v;
    }

    @Override
    protected void styleChanged() {
        requestLayout();
    }

    @Override
    protected void layoutChildren() {
        row.resizeRelocate(snappedLeftInset(), snappedTopInset(), getWidth() - snappedLeftInset() - snappedRightInset(),
                getHeight() - snappedTopInset() - snappedBottomInset());
    }
}
