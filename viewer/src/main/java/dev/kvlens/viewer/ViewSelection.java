package dev.kvlens.viewer;

import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleIntegerProperty;

/**
 * What the user points at, shared by every view so that selection is synchronised: a click on a
 * head cell in the head grid sets {@link #layerProperty()} and {@link #headProperty()}, and the head
 * view, eviction timeline and token strip follow. FX thread only. {@code position} is -1 when no
 * token is selected; {@code hoverPosition} is -1 when the pointer is over no token.
 */
public final class ViewSelection {

    private final IntegerProperty lane = new SimpleIntegerProperty(this, "lane", 0);
    private final IntegerProperty layer = new SimpleIntegerProperty(this, "layer", 0);
    private final IntegerProperty head = new SimpleIntegerProperty(this, "head", 0);
    private final IntegerProperty position = new SimpleIntegerProperty(this, "position", -1);
    private final IntegerProperty hoverPosition = new SimpleIntegerProperty(this, "hoverPosition", -1);

    public IntegerProperty laneProperty() {
        return lane;
    }

    public IntegerProperty layerProperty() {
        return layer;
    }

    public IntegerProperty headProperty() {
        return head;
    }

    public IntegerProperty positionProperty() {
        return position;
    }

    public IntegerProperty hoverPositionProperty() {
        return hoverPosition;
    }

    public int lane() {
        return lane.get();
    }

    public int layer() {
        return layer.get();
    }

    public int head() {
        return head.get();
    }

    public int position() {
        return position.get();
    }

    /** Selects one head (both properties change before listeners of the second run). */
    public void selectHead(int layer, int head) {
        this.layer.set(layer);
        this.head.set(head);
    }
}
