package dev.kvlens.app;

import java.nio.file.Path;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;

/** The JavaFX application: one {@link MainWindow} on the model asked for, else the default one. */
public final class KvLensApp extends Application {

    private static volatile Path requestedModel;

    /** Starts the toolkit and opens the window; returns when the window is closed. */
    static void launchWith(Path model) {
        requestedModel = model;
        Application.launch(KvLensApp.class);
    }

    @Override
    public void start(Stage stage) {
        AppSettings settings = AppSettings.user();
        MainWindow window = open(stage, settings, requestedModel);
        window.hostServices(getHostServices());
    }

    /** Shows a window on {@code model}, or the default model, or asks for one (tests call this too). */
    public static MainWindow open(Stage stage, AppSettings settings, Path model) {
        MainWindow window = new MainWindow(stage, settings);
        stage.show();
        Path chosen = model != null ? model : MainWindow.defaultModel(settings);
        if (chosen != null) {
            window.openModel(chosen);
        } else {
            Platform.runLater(window::promptForModel);
        }
        return window;
    }
}
