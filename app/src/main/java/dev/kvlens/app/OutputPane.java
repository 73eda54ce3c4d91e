package dev.kvlens.app;

import dev.kvlens.inference.session.event.SessionEvent;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.VBox;

/** Each lane's text since the prompt, one block per lane, lane 0 (the full cache) first. */
public final class OutputPane extends ScrollPane implements EventSink {

    private final VBox blocks = new VBox(12);
    private final LanesPane lanes;

    public OutputPane(LanesPane lanes) {
        this.lanes = lanes;
        getStyleClass().add("output-pane");
        setId("output-pane");
        setFitToWidth(true);
        blocks.setPadding(new Insets(14));
        setContent(blocks);
        lanes.rows().addListener((ListChangeListener<LaneRow>) c -> rebuild());
        rebuild();
    }

    private void rebuild() {
        blocks.getChildren().clear();
        int i = 0;
        for (LaneRow r : lanes.rows()) {
            Label head = new Label();
            int index = i++;
            head.textProperty().bind(r.configProperty().map(c -> "Lane " + index + " · "
                    + c.factory().descriptor().displayName() + (c.isFull() ? " (reference)" : " · "
                    + LanesPane.budgetLabel(c.budget()))));
            head.getStyleClass().add("lane-title");
            head.getStyleClass().add("lane-" + index);
            Label text = new Label();
            text.setWrapText(true);
            text.getStyleClass().add("lane-text");
            text.textProperty().bind(r.textProperty().map(t -> t.isEmpty() ? "…" : t));
            VBox block = new VBox(4, head, text);
            block.getStyleClass().add("lane-block");
            blocks.getChildren().add(block);
        }
    }

    @Override
    public void reset() {
        // The rows hold the text; they are reset by the lanes pane.
    }

    @Override
    public void accept(SessionEvent event) {
        // Text arrives through the rows' properties.
    }
}
