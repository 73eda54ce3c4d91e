package dev.kvlens.app;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelConfig;
import dev.kvlens.inference.model.ModelFacts;
import dev.kvlens.inference.session.event.ModelInfo;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import javafx.scene.control.Label;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;

/** The loaded model's facts, as {@code kvlens inspect} prints them. */
public final class ModelFactsPane extends VBox {

    private final GridPane grid = new GridPane(10, 3);
    private final Label title = new Label("Model");

    public ModelFactsPane() {
        getStyleClass().add("facts-pane");
        setSpacing(6);
        title.getStyleClass().add("section-title");
        grid.setId("model-facts");
        getChildren().addAll(title, grid);
        empty("No model loaded. File > Open model… or drop a GGUF file or Hugging Face folder here.");
    }

    public void empty(String message) {
        grid.getChildren().clear();
        Label l = new Label(message);
        l.setWrapText(true);
        grid.add(l, 0, 0);
    }

    public void show(LoadedModel m) {
        ModelFacts f = m.facts();
        ModelConfig c = m.config();
        grid.getChildren().clear();
        int r = 0;
        r = row(r, "name", c.name());
        r = row(r, "source", f.source().getFileName() == null ? f.source().toString() : f.source().getFileName().toString());
        r = row(r, "format", f.format() + ", " + LanesPane.bytes(f.fileBytes()));
        r = row(r, "architecture", c.architecture().ggufName());
        r = row(r, "layers", String.format(Locale.ROOT, "%d, dim %d, FFN %d", c.layers(), c.dim(), c.ffnDim()));
        r = row(r, "heads", String.format(Locale.ROOT, "%d query, %d KV, head dim %d", c.heads(), c.kvHeads(),
                c.headDim()));
        r = row(r, "context", String.format(Locale.ROOT, "%,d tokens", c.contextLength()));
        r = row(r, "vocabulary", String.format(Locale.ROOT, "%,d (%s)", c.vocabularySize(), f.tokenizer()));
        r = row(r, "parameters", String.format(Locale.ROOT, "%,d", f.parameters()));
        r = row(r, "tensors", types(f.tensorTypes()));
        row(r, "KV cache", String.format(Locale.ROOT, "%,d bytes per token (fp32)", c.kvBytesPerToken()));
    }

    /** A recording's model, without its files. */
    public void show(ModelInfo m, String recording) {
        grid.getChildren().clear();
        int r = 0;
        r = row(r, "name", m.name() + " (recording)");
        r = row(r, "recording", recording);
        r = row(r, "architecture", m.architecture());
        r = row(r, "layers", Integer.toString(m.layers()));
        r = row(r, "heads", String.format(Locale.ROOT, "%d query, %d KV, head dim %d", m.heads(), m.kvHeads(),
                m.headDim()));
        row(r, "vocabulary", String.format(Locale.ROOT, "%,d", m.vocabularySize()));
    }

    private static String types(Map<String, Integer> types) {
        return types.entrySet().stream().map(e -> e.getKey() + " × " + e.getValue()).collect(Collectors.joining(", "));
    }

    private int row(int r, String key, String value) {
        Label k = new Label(key);
        k.getStyleClass().add("fact-key");
        Label v = new Label(value);
        v.getStyleClass().add("fact-value");
        v.setWrapText(true);
        grid.add(k, 0, r);
        grid.add(v, 1, r);
        return r + 1;
    }
}
