package dev.kvlens.app;

import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextArea;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

/** The prompt: typed, loaded from a text file, or a scenario's; tokens to generate; Start. */
public final class PromptPane extends VBox {

    private final TextArea text = new TextArea();
    private final Spinner<Integer> newTokens = new Spinner<>(1, 4096, 48, 8);

    public PromptPane(Runnable onStart, Runnable onLoadFile) {
        getStyleClass().add("prompt-pane");
        setSpacing(6);
        Label title = new Label("Prompt");
        title.getStyleClass().add("section-title");
        Button load = new Button("Text file…");
        load.setOnAction(e -> onLoadFile.run());
        Button start = new Button("Start session");
        start.setId("start-button");
        start.getStyleClass().add("accent");
        start.setOnAction(e -> onStart.run());
        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        HBox head = new HBox(8, title, grow, load);
        head.setAlignment(Pos.CENTER_LEFT);
        text.setId("prompt-text");
        text.setWrapText(true);
        text.setPrefRowCount(6);
        text.setPromptText("Type a prompt, load a text file, or pick a scenario");
        VBox.setVgrow(text, Priority.ALWAYS);
        newTokens.setEditable(true);
        newTokens.setPrefWidth(90);
        newTokens.setId("new-tokens");
        HBox foot = new HBox(8, new Label("Tokens to generate"), newTokens, grow(), start);
        foot.setAlignment(Pos.CENTER_LEFT);
        getChildren().addAll(head, text, foot);
    }

    private static Region grow() {
        Region r = new Region();
        HBox.setHgrow(r, Priority.ALWAYS);
        return r;
    }

    public String prompt() {
        return text.getText();
    }

    public void prompt(String prompt) {
        text.setText(prompt);
    }

    public int newTokens() {
        return newTokens.getValue();
    }

    public void newTokens(int n) {
        newTokens.getValueFactory().setValue(n);
    }
}
