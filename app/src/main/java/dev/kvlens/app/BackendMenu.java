package dev.kvlens.app;

import dev.kvlens.kernels.backend.BackendChoice;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;
import javafx.scene.control.Menu;
import javafx.scene.control.RadioMenuItem;
import javafx.scene.control.ToggleGroup;

/**
 * The backend chooser (View > Backend): where the model's matrix products run, cpu (the Vector API
 * kernels), nd4j (ND4J's BLAS) or auto. Picking one hands it to the window, which reloads the model
 * on that backend; {@link #select} puts the mark back when that fails.
 */
final class BackendMenu extends Menu {

    private final Map<BackendChoice, RadioMenuItem> items = new EnumMap<>(BackendChoice.class);
    private boolean quiet;

    BackendMenu(BackendChoice current, Consumer<BackendChoice> chosen) {
        super("Backend");
        setId("backend-menu");
        ToggleGroup group = new ToggleGroup();
        for (BackendChoice c : BackendChoice.values()) {
            RadioMenuItem item = new RadioMenuItem(label(c));
            item.setId("backend-" + c.cliName());
            item.setToggleGroup(group);
            item.setOnAction(e -> {
                if (!quiet) {
                    chosen.accept(c);
                }
            });
            items.put(c, item);
            getItems().add(item);
        }
        select(current);
    }

    /** Marks {@code choice} without acting on it. */
    void select(BackendChoice choice) {
        quiet = true;
        try {
            items.get(choice).setSelected(true);
        } finally {
            quiet = false;
        }
    }

    /** The menu item of {@code choice} (tests fire it as a click would). */
    RadioMenuItem item(BackendChoice choice) {
        return items.get(choice);
    }

    static String label(BackendChoice c) {
        return switch (c) {
            case CPU -> "cpu: Vector API kernels";
            case ND4J -> "nd4j: ND4J (BLAS; weights copied to F32)";
            case AUTO -> "auto: prompts through ND4J on a GPU, else the Vector API";
        };
    }
}
