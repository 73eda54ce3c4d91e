package dev.kvlens.app;

import static dev.kvlens.app.FxThread.waitFor;

import java.nio.file.Path;
import java.util.prefs.Preferences;
import javafx.stage.Stage;
import org.testfx.api.FxToolkit;

/**
 * The real main window on a model, as a window test opens it: settings in a private preferences node
 * (removed again on close), no browser, the model loaded before the test starts.
 */
record WindowFixture(MainWindow window, AppSettings settings, String node) {

    static WindowFixture open(String name, Path model) throws Exception {
        System.setProperty("kvlens.noBrowser", "true");
        String node = "/dev/kvlens/app-test-" + name + "-" + ProcessHandle.current().pid();
        AppSettings settings = new AppSettings(Preferences.userRoot().node(node));
        settings.clear();
        Stage stage = FxToolkit.registerPrimaryStage();
        MainWindow[] window = new MainWindow[1];
        FxToolkit.setupFixture(() -> window[0] = KvLensApp.open(stage, settings, model));
        waitFor(30, () -> window[0].model() != null);
        return new WindowFixture(window[0], settings, node);
    }

    void close() throws Exception {
        FxToolkit.setupFixture(() -> window.stage().close());
        Preferences.userRoot().node(node).removeNode();
    }
}
