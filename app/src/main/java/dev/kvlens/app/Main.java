package dev.kvlens.app;

import dev.kvlens.inference.cli.KvLensCommand;
import java.nio.file.Path;

/**
 * The {@code kvlens} entry point. No arguments, or only {@code --model PATH}, opens the window; anything
 * else (a subcommand, {@code --help}, {@code --version}) is the headless command line, which never starts
 * the JavaFX toolkit.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        Path model = windowModel(args);
        if (model == null && args.length > 0) {
            KvLensCommand.main(args);
            return;
        }
        KvLensApp.launchWith(model);
    }

    /**
     * The model the window should open when {@code args} ask for the window: the path after
     * {@code --model} ({@code --model=PATH} too), or null for the default; null as well when the
     * arguments are for the command line (then {@code args} is not empty).
     */
    static Path windowModel(String[] args) {
        if (args.length == 2 && args[0].equals("--model")) {
            return Path.of(args[1]);
        }
        if (args.length == 1 && args[0].startsWith("--model=")) {
            return Path.of(args[0].substring("--model=".length()));
        }
        return null;
    }
}
