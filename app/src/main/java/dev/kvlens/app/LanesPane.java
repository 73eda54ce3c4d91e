package dev.kvlens.app;

import dev.kvlens.inference.policy.Budget;
import dev.kvlens.inference.policy.PolicyDescriptor;
import dev.kvlens.inference.policy.PolicyOption;
import dev.kvlens.inference.policy.PolicyRegistry;
import dev.kvlens.inference.session.LaneConfig;
import dev.kvlens.inference.session.Session;
import dev.kvlens.inference.session.event.LaneInfo;
import dev.kvlens.inference.session.event.LaneRebuilt;
import dev.kvlens.inference.session.event.MemorySample;
import dev.kvlens.inference.session.event.QualitySample;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.SessionRewound;
import dev.kvlens.inference.session.event.SessionStarted;
import dev.kvlens.inference.session.event.TokenStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiPredicate;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.controlsfx.control.PropertySheet;
import org.controlsfx.property.editor.DefaultPropertyEditorFactory;
import org.controlsfx.property.editor.Editors;

/**
 * The lanes table (lane 0 is the full cache) with live figures, and the editor of the selected lane:
 * policy chooser (with each policy's description and paper), budget, and the policy's declared options
 * in a PropertySheet. Edits are checked by building the lane's configuration; a refused one shows why
 * and changes nothing.
 */
public final class LanesPane extends VBox implements EventSink {

    /** Asked to apply a lane's new configuration; answers whether it was taken. */
    private final BiPredicate<Integer, LaneConfig> onChange;
    private final Runnable onLanesChanged;
    private final java.util.function.Consumer<String> onRefused;
    private final ObservableList<LaneRow> rows = FXCollections.observableArrayList();
    private final TableView<LaneRow> table = new TableView<>(rows);
    private final ComboBox<PolicyDescriptor> policy = new ComboBox<>();
    private final TextField budget = new TextField();
    private final Label policyInfo = new Label();
    private final PropertySheet options = new PropertySheet();
    private final Button add = new Button("Add lane");
    private final Button remove = new Button("Remove lane");
    private final BooleanProperty editable = new SimpleBooleanProperty(true);
    private boolean updating;

    public LanesPane(BiPredicate<Integer, LaneConfig> onChange, Runnable onLanesChanged,
                     java.util.function.Consumer<String> onRefused) {
        this.onChange = onChange;
        this.onLanesChanged = onLanesChanged;
        this.onRefused = onRefused;
        getStyleClass().add("lanes-pane");
        setSpacing(8);
        rows.add(new LaneRow(LaneConfig.FULL));

        table.setId("lanes-table");
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.setFixedCellSize(28);
        table.setPrefHeight(28 * (Session.MAX_LANES + 1) + 6);
        table.setMinHeight(Region.USE_PREF_SIZE);
        TableColumn<LaneRow, String> idx = column("#", 26, r -> Integer.toString(rows.indexOf(r)));
        TableColumn<LaneRow, String> name = column("Policy", 112, r -> r.descriptor().displayName()
                + (r.descriptor().simulated() ? " (simulated)" : ""));
        name.setCellValueFactory(c -> c.getValue().configProperty().map(cfg -> cfg.factory().descriptor().displayName()
                + (cfg.factory().descriptor().simulated() ? " (simulated)" : "")));
        TableColumn<LaneRow, String> bud = column("Budget", 76, r -> "");
        bud.setCellValueFactory(c -> c.getValue().configProperty().map(cfg -> cfg.isFull() ? "all"
                : budgetLabel(cfg.budget())));
        TableColumn<LaneRow, String> mem = column("KV memory", 132, r -> "");
        mem.setCellValueFactory(c -> c.getValue().bytesProperty().map(b -> memoryLabel(c.getValue())));
        TableColumn<LaneRow, String> kl = column("KL", 60, r -> "");
        kl.setCellValueFactory(c -> c.getValue().klProperty().map(v -> Double.isNaN(v.doubleValue()) ? "–"
                : String.format(Locale.ROOT, "%.4f", v.doubleValue())));
        TableColumn<LaneRow, String> top1 = column("Top-1", 52, r -> "");
        top1.setCellValueFactory(c -> c.getValue().top1Property().map(v -> Double.isNaN(v.doubleValue()) ? "–"
                : String.format(Locale.ROOT, "%.0f%%", 100 * v.doubleValue())));
        table.getColumns().setAll(List.of(idx, name, bud, mem, kl, top1));
        table.getSelectionModel().selectedIndexProperty().addListener((o, a, b) -> showSelected());

        add.setId("add-lane");
        remove.setId("remove-lane");
        add.setOnAction(e -> addLane());
        remove.setOnAction(e -> removeLane());
        add.disableProperty().bind(editable.not().or(javafx.beans.binding.Bindings.size(rows)
                .greaterThanOrEqualTo(Session.MAX_LANES)));
        remove.disableProperty().bind(editable.not().or(table.getSelectionModel().selectedIndexProperty()
                .lessThan(1)));
        HBox buttons = new HBox(6, add, remove);

        policy.setId("policy-chooser");
        policy.getItems().setAll(PolicyRegistry.descriptors());
        policy.setCellFactory(l -> new PolicyCell());
        policy.setButtonCell(new PolicyCell());
        policy.setMaxWidth(Double.MAX_VALUE);
        policy.valueProperty().addListener((o, a, b) -> {
            if (!updating && b != null) {
                apply(c -> LaneRow.withPolicy(c, b.id()));
            }
        });
        budget.setId("budget-field");
        budget.setPromptText("64 or 25%");
        budget.setTooltip(new Tooltip("Entries kept per KV head (e.g. 64) or the share kept (e.g. 25% or 0.25)"));
        budget.setOnAction(e -> commitBudget());
        budget.focusedProperty().addListener((o, a, focused) -> {
            if (!focused) {
                commitBudget();
            }
        });
        policyInfo.setWrapText(true);
        policyInfo.getStyleClass().add("policy-info");
        policyInfo.setMinHeight(Region.USE_PREF_SIZE);

        GridPane editor = new GridPane(8, 6);
        // Labels at their natural width, the chooser and the field take the rest.
        javafx.scene.layout.ColumnConstraints labels = new javafx.scene.layout.ColumnConstraints();
        labels.setMinWidth(Region.USE_PREF_SIZE);
        javafx.scene.layout.ColumnConstraints fields = new javafx.scene.layout.ColumnConstraints();
        fields.setHgrow(Priority.ALWAYS);
        fields.setFillWidth(true);
        editor.getColumnConstraints().addAll(labels, fields);
        editor.add(new Label("Policy"), 0, 0);
        editor.add(policy, 1, 0);
        editor.add(new Label("Budget"), 0, 1);
        editor.add(budget, 1, 1);
        GridPane.setHgrow(policy, Priority.ALWAYS);
        GridPane.setHgrow(budget, Priority.ALWAYS);
        // Never squeezed by the options sheet below (it grows instead): the chooser and field stay usable.
        editor.setMinHeight(Region.USE_PREF_SIZE);
        editor.disableProperty().bind(editable.not().or(table.getSelectionModel().selectedIndexProperty().lessThan(1)));

        options.setId("policy-options");
        options.setModeSwitcherVisible(false);
        options.setSearchBoxVisible(false);
        options.setMode(PropertySheet.Mode.NAME);
        options.setPropertyEditorFactory(new DefaultPropertyEditorFactory() {
            @Override
            public org.controlsfx.property.editor.PropertyEditor<?> call(PropertySheet.Item item) {
                if (item instanceof PolicyOptionItem p && !p.option().choices().isEmpty()) {
                    return Editors.createChoiceEditor(item, p.option().choices());
                }
                return super.call(item);
            }
        });
        options.disableProperty().bind(editor.disableProperty());
        VBox.setVgrow(options, Priority.ALWAYS);
        options.setMinHeight(120);

        Label title = new Label("Lanes");
        title.getStyleClass().add("section-title");
        HBox head = new HBox(8, title, spacer(), buttons);
        getChildren().addAll(head, table, editor, policyInfo, options);
        setPadding(new Insets(4, 0, 0, 0));
        table.getSelectionModel().select(0);
    }

    private static Region spacer() {
        Region r = new Region();
        HBox.setHgrow(r, Priority.ALWAYS);
        return r;
    }

    private static TableColumn<LaneRow, String> column(String title, double width,
                                                       java.util.function.Function<LaneRow, String> value) {
        TableColumn<LaneRow, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setSortable(false);
        c.setReorderable(false);
        c.setCellValueFactory(d -> new SimpleStringProperty(value.apply(d.getValue())));
        return c;
    }

    static String budgetLabel(Budget b) {
        return b.isFraction() ? LaneRow.budgetText(b) + " kept" : b.entriesPerHead() + " / head";
    }

    private static String memoryLabel(LaneRow r) {
        long b = r.bytesProperty().get();
        if (b < 0) {
            return "–";
        }
        long full = r.fullBytesProperty().get();
        String size = bytes(b);
        // The share of the full cache, except on the full cache itself (always 100%).
        return full > 0 && b != full ? size + String.format(Locale.ROOT, " · %.0f%%", 100.0 * b / full) : size;
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
    }

    /** Whether the lanes can be edited (not while replaying a recording). */
    public BooleanProperty editableProperty() {
        return editable;
    }

    public TableView<LaneRow> table() {
        return table;
    }

    public ObservableList<LaneRow> rows() {
        return rows;
    }

    public List<LaneConfig> configs() {
        return rows.stream().map(LaneRow::config).toList();
    }

    /** Replaces every lane (a scenario); lane 0 stays the full cache. */
    public void setLanes(List<LaneConfig> compared) {
        List<LaneRow> fresh = new ArrayList<>();
        fresh.add(new LaneRow(LaneConfig.FULL));
        for (LaneConfig c : compared) {
            fresh.add(new LaneRow(c));
        }
        rows.setAll(fresh);
        table.getSelectionModel().select(rows.size() > 1 ? 1 : 0);
        showSelected();
    }

    public void select(int lane) {
        table.getSelectionModel().select(lane);
    }

    private void addLane() {
        if (rows.size() >= Session.MAX_LANES) {
            return;
        }
        // Half the cache under H2O: valid for any prompt length (observation-window policies need budget > window).
        LaneConfig c = new LaneConfig(PolicyRegistry.factory("h2o"), Map.of(), Budget.fraction(0.5));
        rows.add(new LaneRow(c));
        table.getSelectionModel().select(rows.size() - 1);
        onLanesChanged.run();
    }

    private void removeLane() {
        int i = table.getSelectionModel().getSelectedIndex();
        if (i >= 1) {
            rows.remove(i);
            table.getSelectionModel().select(Math.min(i, rows.size() - 1));
            onLanesChanged.run();
        }
    }

    private void commitBudget() {
        int i = table.getSelectionModel().getSelectedIndex();
        if (updating || i < 1) {
            return;
        }
        String text = budget.getText();
        if (text.equals(LaneRow.budgetText(rows.get(i).config().budget()))) {
            return;
        }
        apply(c -> LaneRow.withBudget(c, text));
    }

    /** Builds the selected lane's new configuration and hands it on; false (and why, shown) if refused. */
    private boolean apply(java.util.function.UnaryOperator<LaneConfig> edit) {
        int i = table.getSelectionModel().getSelectedIndex();
        if (i < 1) {
            return false;
        }
        LaneRow row = rows.get(i);
        LaneConfig next;
        try {
            next = edit.apply(row.config());
        } catch (IllegalArgumentException e) {
            onRefused.accept(e.getMessage());
            showSelected();
            return false;
        }
        if (!onChange.test(i, next)) {
            showSelected();
            return false;
        }
        row.configProperty().set(next);
        showSelected();
        return true;
    }

    private void showSelected() {
        int i = table.getSelectionModel().getSelectedIndex();
        if (i < 0 || i >= rows.size()) {
            return;
        }
        updating = true;
        try {
            LaneConfig c = rows.get(i).config();
            PolicyDescriptor d = c.factory().descriptor();
            policy.setValue(d);
            budget.setText(c.isFull() ? "100%" : LaneRow.budgetText(c.budget()));
            policyInfo.setText(d.description() + "\n" + d.paper()
                    + (d.simulated() ? "\nSimulated: entries are masked, memory is not freed." : ""));
            List<PropertySheet.Item> items = new ArrayList<>();
            Map<String, String> values = c.newPolicy().options().values();
            for (PolicyOption o : d.options()) {
                String v = values.getOrDefault(o.name(), o.defaultValue());
                items.add(new PolicyOptionItem(o, d.displayName(), v, text -> apply(cfg ->
                        LaneRow.withOption(cfg, o.name(), text))));
            }
            options.getItems().setAll(items);

        } finally {
            updating = false;
        }
    }

    // ---------------------------------------------------------------- live figures

    @Override
    public void reset() {
        for (LaneRow r : rows) {
            r.clearFigures();
        }
    }

    @Override
    public void accept(SessionEvent event) {
        switch (event) {
            case SessionStarted s -> {
                if (!editable.get()) {
                    adoptLanes(s.lanes());
                }
                reset();
            }
            case TokenStep t -> row(t.lane(), r -> r.token(t.position() - firstPosition, t.text()));
            case MemorySample m -> row(m.lane(), r -> r.memory(m.totalBytes(), m.fullCacheBytes()));
            case QualitySample q -> row(q.lane(), r -> r.quality(q.step(), q.klToFull(), q.top1Agrees()));
            case SessionRewound sr -> rows.forEach(r -> r.rewind(sr.position()));
            case LaneRebuilt lr -> {
                row(lr.lane(), r -> r.rewind(lr.position()));
                if (!editable.get()) {
                    row(lr.lane(), r -> r.configProperty().set(configOf(lr.info())));
                }
            }
            default -> { }
        }
        if (event instanceof SessionStarted s) {
            firstPosition = s.promptTokens().length - 1;
        }
    }

    private int firstPosition;

    @Override
    public void flush() {
        for (LaneRow r : rows) {
            r.publish();
        }
    }

    private void row(int lane, java.util.function.Consumer<LaneRow> action) {
        if (lane >= 0 && lane < rows.size()) {
            action.accept(rows.get(lane));
        }
    }

    /** A recording's lanes shown as rows (replay: read-only). */
    private void adoptLanes(List<LaneInfo> infos) {
        List<LaneRow> fresh = new ArrayList<>();
        for (LaneInfo info : infos) {
            fresh.add(new LaneRow(configOf(info)));
        }
        rows.setAll(fresh);
        table.getSelectionModel().select(0);
    }

    /** Best effort: a recorded lane as a configuration, the full cache when the policy is unknown here. */
    static LaneConfig configOf(LaneInfo info) {
        try {
            String b = info.budget();
            String budgetText = b.equals("unlimited") ? "1.0" : b.endsWith("% kept") ? b.substring(0, b.length() - 5)
                    : b.split(" ")[0];
            return new LaneConfig(PolicyRegistry.factory(info.policy()), info.options(), Budget.parse(budgetText));
        } catch (IllegalArgumentException e) {
            return LaneConfig.FULL;
        }
    }

    /** Shows each policy's name with its paper underneath in the chooser. */
    private static final class PolicyCell extends ListCell<PolicyDescriptor> {
        @Override
        protected void updateItem(PolicyDescriptor d, boolean empty) {
            super.updateItem(d, empty);
            if (empty || d == null) {
                setText(null);
                setTooltip(null);
            } else {
                setText(d.displayName());
                setTooltip(new Tooltip(d.description() + "\n" + d.paper()));
            }
        }
    }
}
