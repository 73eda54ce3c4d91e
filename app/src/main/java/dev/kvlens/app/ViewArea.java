package dev.kvlens.app;

import java.util.EnumMap;
import java.util.Map;
import javafx.scene.Node;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;

/**
 * The views, one tab each. The viewer module's views are placed here as they exist; a scenario opens
 * the tab it names ({@link #show}).
 */
public final class ViewArea extends TabPane {

    private final Map<ViewKind, Tab> tabs = new EnumMap<>(ViewKind.class);

    public ViewArea() {
        setId("views");
        getStyleClass().add("views");
        setTabClosingPolicy(TabClosingPolicy.UNAVAILABLE);
    }

    public void put(ViewKind kind, Node content) {
        Tab t = new Tab(kind.title(), content);
        t.setId("tab-" + kind.id());
        tabs.put(kind, t);
        getTabs().clear();
        for (ViewKind k : ViewKind.values()) {
            Tab existing = tabs.get(k);
            if (existing != null) {
                getTabs().add(existing);
            }
        }
    }

    /** Opens the view's tab; false when that view is not in the window. */
    public boolean show(ViewKind kind) {
        Tab t = tabs.get(kind);
        if (t == null) {
            return false;
        }
        getSelectionModel().select(t);
        return true;
    }

    public ViewKind current() {
        Tab t = getSelectionModel().getSelectedItem();
        for (Map.Entry<ViewKind, Tab> e : tabs.entrySet()) {
            if (e.getValue() == t) {
                return e.getKey();
            }
        }
        return ViewKind.OUTPUT;
    }

    /** The node of the view shown now (what Export exports). */
    public Node currentView() {
        Tab t = getSelectionModel().getSelectedItem();
        return t == null ? this : t.getContent();
    }
}
