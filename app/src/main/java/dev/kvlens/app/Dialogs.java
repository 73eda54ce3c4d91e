package dev.kvlens.app;

import dev.kvlens.inference.ModelFileException;
import javafx.scene.control.Alert;
import javafx.scene.control.Label;
import javafx.stage.Window;

/** Clear, specific error dialogs: what failed, and the engine's own message (file, offset, what). */
final class Dialogs {

    private Dialogs() {
    }

    static Alert error(Window owner, String headline, Throwable cause) {
        return error(owner, headline, message(cause));
    }

    static Alert error(Window owner, String headline, String detail) {
        Alert a = new Alert(Alert.AlertType.ERROR);
        a.initOwner(owner);
        a.setTitle("KV Lens");
        a.setHeaderText(headline);
        Label text = new Label(detail);
        text.setWrapText(true);
        text.setId("error-detail");
        text.setMaxWidth(560);
        a.getDialogPane().setContent(text);
        a.getDialogPane().setId("error-dialog");
        if (owner != null && owner.getScene() != null) {
            a.getDialogPane().getStylesheets().setAll(owner.getScene().getStylesheets());
            a.getDialogPane().setStyle(owner.getScene().getRoot().getStyle());
        }
        a.show();
        return a;
    }

    /** The most telling message of a failure: a file problem's own message, else the first cause with text. */
    static String message(Throwable t) {
        Throwable c = t;
        while (c != null) {
            if (c instanceof ModelFileException && c.getMessage() != null) {
                return c.getMessage();
            }
            c = c.getCause();
        }
        c = t;
        while (c.getMessage() == null && c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}
