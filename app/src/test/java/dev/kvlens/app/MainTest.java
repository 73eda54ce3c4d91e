package dev.kvlens.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.prefs.Preferences;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which arguments open the window (and on which model), and which model the window opens by default. */
class MainTest {

    @TempDir
    Path temp;
    private Preferences node;
    private AppSettings settings;
    private String assetsBefore;

    @BeforeEach
    void settings() {
        node = Preferences.userRoot().node("/dev/kvlens/app-maintest-" + ProcessHandle.current().pid());
        settings = new AppSettings(node);
        settings.clear();
        assetsBefore = System.getProperty("kvlens.assets");
        System.setProperty("kvlens.assets", temp.resolve("assets").toString());
    }

    @AfterEach
    void restore() throws Exception {
        node.removeNode();
        if (assetsBefore == null) {
            System.clearProperty("kvlens.assets");
        } else {
            System.setProperty("kvlens.assets", assetsBefore);
        }
    }

    @Test
    void noArgumentsOpenTheWindowOnTheDefaultModel() {
        assertNull(Main.windowModel(new String[0]));
    }

    @Test
    void modelOptionOpensTheWindowOnThatModel() {
        assertEquals(Path.of("/m/x.gguf"), Main.windowModel(new String[] {"--model", "/m/x.gguf"}));
        assertEquals(Path.of("rel/y.gguf"), Main.windowModel(new String[] {"--model=rel/y.gguf"}));
    }

    @Test
    void anythingElseIsTheCommandLine() {
        // null with arguments present: Main hands them to the command line instead of opening the window.
        for (String[] args : new String[][] {{"--help"}, {"--version"}, {"inspect", "x.gguf"},
                {"--model", "x.gguf", "run"}, {"--model"}, {"run", "--model", "x.gguf"}}) {
            assertNull(Main.windowModel(args), String.join(" ", args));
        }
    }

    @Test
    void defaultModelIsTheBundledOneFirst() throws Exception {
        Path models = Files.createDirectories(temp.resolve("assets/models"));
        Path b = Files.writeString(models.resolve("b.gguf"), "x");
        Files.writeString(models.resolve("a.gguf"), "x");
        Files.writeString(models.resolve("notes.txt"), "x");
        Path last = Files.writeString(temp.resolve("last.gguf"), "x");
        settings.lastModel(last);
        assertEquals(models.resolve("a.gguf"), MainWindow.defaultModel(settings), "first by name");
        Files.delete(models.resolve("a.gguf"));
        assertEquals(b, MainWindow.defaultModel(settings));
    }

    @Test
    void withoutABundledModelTheLastOneUsedIfItStillExists() throws Exception {
        assertNull(MainWindow.defaultModel(settings), "nothing known: the window asks");
        Path last = Files.writeString(temp.resolve("last.gguf"), "x");
        settings.lastModel(last);
        assertEquals(last.toAbsolutePath(), MainWindow.defaultModel(settings));
        Files.delete(last);
        assertNull(MainWindow.defaultModel(settings), "a model since deleted is not offered");
    }
}
