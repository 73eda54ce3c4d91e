package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.model.BundledModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command's {@code --model} falls back to the bundled model, and says so when none is shipped. */
class BundledModelDefaultTest {

    @TempDir
    Path temp;
    private String before;

    @BeforeEach
    void pointAssetsAtTemp() {
        before = System.getProperty(BundledModels.ASSETS_PROPERTY);
        System.setProperty(BundledModels.ASSETS_PROPERTY, temp.toString());
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(BundledModels.ASSETS_PROPERTY);
        } else {
            System.setProperty(BundledModels.ASSETS_PROPERTY, before);
        }
    }

    @Test
    void commandsUseTheBundledModelWhenNoneIsGiven() throws Exception {
        Files.createDirectories(temp.resolve("models"));
        Files.copy(Cli.STORIES, temp.resolve("models/teaching.gguf"));

        CliResult given = Cli.run("tokenize", "--model", Cli.STORIES.toString(), "--text", "Once upon a time");
        CliResult bundled = Cli.run("tokenize", "--text", "Once upon a time");
        assertEquals(0, bundled.exitCode(), bundled.err());
        assertEquals(given.out(), bundled.out());

        CliResult inspect = Cli.run("inspect", "--json");
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("teaching.gguf"), inspect.out());
    }

    @Test
    void withoutABundledModelTheMessageSaysWhatToGive() {
        CliResult r = Cli.run("generate", "--prompt", "Once");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("kvlens: no model: give --model PATH (no model is bundled in "), r.err());
        assertTrue(r.err().contains(temp.resolve("models").toAbsolutePath().toString()), r.err());
    }
}
