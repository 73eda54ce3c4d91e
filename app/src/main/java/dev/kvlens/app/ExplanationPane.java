package dev.kvlens.app;

import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

/** The current scenario's title and explanation, above the views; hidden when none is open. */
public final class ExplanationPane extends VBox {

    private final Label title = new Label();
    private final Label text = new Label();

    public ExplanationPane() {
        getStyleClass().add("explanation");
        setId("explanation");
        setSpacing(4);
        title.getStyleClass().add("explanation-title");
        text.setWrapText(true);
        text.getStyleClass().add("explanation-text");
        text.setMinHeight(Region.USE_PREF_SIZE);
        Button close = new Button("✕");
        close.getStyleClass().add("flat");
        close.setOnAction(e -> hide());
        close.setFocusTraversable(false);
        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        getChildren().addAll(new HBox(8, title, grow, close), text);
        hide();
    }

    public void show(Scenario s) {
        title.setText(s.title());
        text.setText(s.explanation());
        setVisible(true);
        setManaged(true);
    }

    public void hide() {
        setVisible(false);
        setManaged(false);
    }

    public String text() {
        return text.getText();
    }
}
