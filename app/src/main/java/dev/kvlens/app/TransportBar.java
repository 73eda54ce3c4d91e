package dev.kvlens.app;

import dev.kvlens.inference.session.SessionMode;
import javafx.beans.binding.Bindings;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Separator;
import javafx.scene.control.Slider;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Region;

/**
 * Run / pause, step, step back, speed and mode, then the position and phase. A flow that wraps: in
 * presentation mode (large fonts) the controls go on a second row instead of being cut to "...".
 */
public final class TransportBar extends FlowPane {

    /** Speeds offered on the slider, tokens per second; the last stop means "as fast as it decodes". */
    static final double[] SPEEDS = {1, 2, 4, 8, 16, 32, SessionController.MAX_SPEED};

    private final Button play = new Button("Run");
    private final Button step = new Button("Step ▶");
    private final Button back = new Button("◀ Back");
    private final Slider speed = new Slider(0, SPEEDS.length - 1, SPEEDS.length - 1);
    private final Label speedLabel = new Label();
    private final ComboBox<SessionMode> mode = new ComboBox<>();
    private final Label where = new Label();

    public TransportBar(SessionController controller, Runnable onModeChanged) {
        getStyleClass().add("transport");
        setAlignment(Pos.CENTER_LEFT);
        setHgap(8);
        setVgap(6);
        play.setId("run-button");
        step.setId("step-button");
        back.setId("back-button");
        play.setTooltip(new Tooltip("Run / pause (Space)"));
        step.setTooltip(new Tooltip("One token forward (Right)"));
        back.setTooltip(new Tooltip("One token back (Left)"));
        play.setOnAction(e -> controller.togglePlay());
        step.setOnAction(e -> controller.step());
        back.setOnAction(e -> controller.stepBack());
        play.getStyleClass().add("accent");
        play.setMinWidth(76);
        for (Button b : new Button[] {play, step, back}) {
            b.setFocusTraversable(false);
        }
        play.textProperty().bind(Bindings.createStringBinding(() ->
                controller.phaseProperty().get() == SessionController.Phase.RUNNING ? "Pause" : "Run",
                controller.phaseProperty()));
        var idle = Bindings.createBooleanBinding(() -> controller.phaseProperty().get() == SessionController.Phase.IDLE,
                controller.phaseProperty());
        play.disableProperty().bind(idle);
        step.disableProperty().bind(idle);
        back.disableProperty().bind(idle);

        speed.setId("speed-slider");
        speed.setMajorTickUnit(1);
        speed.setMinorTickCount(0);
        speed.setSnapToTicks(true);
        speed.setPrefWidth(120);
        speed.setFocusTraversable(false);
        speed.valueProperty().addListener((o, a, b) -> {
            double s = SPEEDS[(int) Math.round(b.doubleValue())];
            controller.speedProperty().set(s);
        });
        speedLabel.textProperty().bind(controller.speedProperty().map(s -> s.doubleValue() <= 0 ? "max speed"
                : String.format(java.util.Locale.ROOT, "%.0f tok/s", s.doubleValue())));
        speedLabel.setMinWidth(70);

        mode.setId("mode-chooser");
        mode.getItems().setAll(SessionMode.values());
        mode.setValue(SessionMode.TEACHER_FORCED);
        mode.setConverter(new javafx.util.StringConverter<>() {
            @Override
            public String toString(SessionMode m) {
                return m == null ? "" : m.label();
            }

            @Override
            public SessionMode fromString(String s) {
                return SessionMode.parse(s);
            }
        });
        mode.setFocusTraversable(false);
        mode.valueProperty().addListener((o, a, b) -> onModeChanged.run());

        where.getStyleClass().add("position-label");
        where.textProperty().bind(Bindings.createStringBinding(() -> {
            int p = controller.positionProperty().get();
            String phase = controller.phaseProperty().get().name().toLowerCase(java.util.Locale.ROOT);
            return p < 0 ? phase : "position " + p + " · " + phase;
        }, controller.positionProperty(), controller.phaseProperty()));

        // Groups that stay together when the flow wraps; none is ever shrunk below its text.
        HBox buttons = new HBox(8, back, play, step);
        HBox pace = new HBox(8, new Label("Speed"), speed, speedLabel);
        HBox modeBox = new HBox(8, new Label("Mode"), mode);
        for (HBox g : new HBox[] {buttons, pace, modeBox}) {
            g.setAlignment(Pos.CENTER_LEFT);
            g.setMinWidth(Region.USE_PREF_SIZE);
        }
        for (javafx.scene.control.Control c : new javafx.scene.control.Control[] {back, play, step, speedLabel, mode, where}) {
            c.setMinWidth(Region.USE_PREF_SIZE);
        }
        getChildren().addAll(buttons, new Separator(javafx.geometry.Orientation.VERTICAL), pace,
                new Separator(javafx.geometry.Orientation.VERTICAL), modeBox, where);
    }

    public SessionMode mode() {
        return mode.getValue();
    }

    public void mode(SessionMode m) {
        mode.setValue(m);
    }
}
