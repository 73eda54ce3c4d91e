package dev.kvlens.app;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.kernels.ComputePriority;
import dev.kvlens.kernels.Parallel;
import dev.kvlens.kernels.backend.BackendChoice;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.inference.sampling.SamplingSettings;
import dev.kvlens.inference.session.LaneConfig;
import dev.kvlens.inference.session.Recording;
import dev.kvlens.inference.session.SessionMode;
import dev.kvlens.inference.session.SessionSettings;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.SessionStarted;
import dev.kvlens.viewer.BudgetMapView;
import dev.kvlens.viewer.EvictionTimelineView;
import dev.kvlens.viewer.HeadGridView;
import dev.kvlens.viewer.HeadView;
import dev.kvlens.viewer.KeySpectrumView;
import dev.kvlens.viewer.LaneComparisonView;
import dev.kvlens.viewer.MemoryChartView;
import dev.kvlens.viewer.QualityChartView;
import dev.kvlens.viewer.SessionViewModel;
import dev.kvlens.viewer.TokenStripView;
import dev.kvlens.viewer.ViewExport;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.application.Platform;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.concurrent.Task;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.CheckMenuItem;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TextInputControl;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Stage;

/**
 * The KV Lens window: menus, the controls on the left (model facts, prompt, lanes), the transport and
 * the views on the right, a status bar. Everything slow (loading, decoding, reading, writing) runs off
 * the JavaFX thread; failures show a dialog and leave the current session as it was.
 */
public final class MainWindow {

    static final double MIN_FONT_SCALE = 0.75;
    static final double MAX_FONT_SCALE = 2.5;
    static final double PRESENTATION_SCALE = 1.6;
    private static final double BASE_FONT_PX = 13;

    private final Stage stage;
    private final AppSettings settings;
    private final SessionController controller;
    private final ObjectProperty<LoadedModel> model = new SimpleObjectProperty<>();
    private final ModelFactsPane facts = new ModelFactsPane();
    private final PromptPane prompt;
    private final LanesPane lanes;
    private final TransportBar transport;
    private final ViewArea views = new ViewArea();
    private final ViewFeeds feeds = new ViewFeeds(views::current);
    private final HeadGridView headGrid;
    private final MemoryChartView memoryChart;
    private final QualityChartView qualityChart;
    private final KeySpectrumView keySpectrum;
    private final ExplanationPane explanation = new ExplanationPane();
    private final Label status = new Label("Ready");
    /** Which backend and device run the loaded model. */
    private final Label backendStatus = new Label();
    private BackendMenu backendMenu;
    private final ProgressBar progress = new ProgressBar();
    private final SplitPane split;
    private final Scene scene;
    private final CheckMenuItem darkTheme = new CheckMenuItem("Dark theme");
    private final CheckMenuItem presentation = new CheckMenuItem("Presentation mode");
    private List<Scenario> scenarios = List.of();
    private double fontScale;
    private Task<?> loading;

    public MainWindow(Stage stage, AppSettings settings) {
        this.stage = stage;
        this.settings = settings;
        // Decoding gets every core but one: the kernel pool's workers spin between jobs, and on a
        // small machine they would otherwise starve the JavaFX and render threads (long pulse gaps).
        // Its threads also run below the UI's priority, so that the JavaFX and render threads get a
        // core at once when the machine has more runnable threads than cores.
        ComputePriority.runInBackground(true);
        Parallel.setThreads(Math.max(1, Runtime.getRuntime().availableProcessors() - 1));
        this.controller = new SessionController(t -> Dialogs.error(stage, "The session stopped", t));
        this.prompt = new PromptPane(this::startSession, this::loadPromptFile);
        this.lanes = new LanesPane(this::changeLane, this::restartKeepingPosition,
                why -> Dialogs.error(stage, "That lane setting was refused", why));
        this.transport = new TransportBar(controller, this::restartKeepingPosition);
        controller.addSink(lanes);
        OutputPane output = new OutputPane(lanes);
        controller.addSink(feeds);
        headGrid = new HeadGridView(feeds.model(ViewKind.HEAD_GRID));
        headGrid.setId("head-grid-view");
        memoryChart = new MemoryChartView(feeds.model(ViewKind.MEMORY));
        qualityChart = new QualityChartView(feeds.model(ViewKind.QUALITY));
        feeds.chart(ViewKind.MEMORY, memoryChart);
        feeds.chart(ViewKind.QUALITY, qualityChart);
        views.put(ViewKind.HEAD_GRID, headGrid);
        // The head view with its key spectrum beside it (singular values of the KV head's cached keys).
        keySpectrum = new KeySpectrumView(feeds.model(ViewKind.HEAD));
        keySpectrum.setId("key-spectrum-view");
        SplitPane headArea = new SplitPane(new HeadView(feeds.model(ViewKind.HEAD)), keySpectrum);
        headArea.setDividerPositions(0.62);
        views.put(ViewKind.HEAD, headArea);
        KeySpectrumFeed spectrumFeed = new KeySpectrumFeed(controller, feeds.model(ViewKind.HEAD), keySpectrum,
                () -> views.current() == ViewKind.HEAD);
        views.put(ViewKind.TIMELINE, new EvictionTimelineView(feeds.model(ViewKind.TIMELINE)));
        views.put(ViewKind.TOKENS, new TokenStripView(feeds.model(ViewKind.TOKENS)));
        views.put(ViewKind.BUDGET, new BudgetMapView(feeds.model(ViewKind.BUDGET)));
        views.put(ViewKind.MEMORY, memoryChart);
        views.put(ViewKind.QUALITY, qualityChart);
        views.put(ViewKind.COMPARE, new LaneComparisonView(feeds.model(ViewKind.COMPARE), LaneComparisonView.Kind.HEAD_VIEW));
        views.put(ViewKind.OUTPUT, output);
        views.show(ViewKind.HEAD_GRID);
        // A view shown catches up with the events it missed while hidden.
        views.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            feeds.catchUp(views.current());
            spectrumFeed.update();
        });
        // The lane picked in the table is the lane the views show; the head picked in the grid gets
        // full-resolution frames.
        lanes.table().getSelectionModel().selectedIndexProperty().addListener((o, a, b) -> {
            if (b.intValue() >= 0) {
                feeds.selection().laneProperty().set(b.intValue());
            }
        });
        SessionViewModel head = feeds.model(ViewKind.HEAD);
        feeds.selection().layerProperty().addListener((o, a, b) -> controller.watchHeads(head.trackedHeads()));
        feeds.selection().headProperty().addListener((o, a, b) -> controller.watchHeads(head.trackedHeads()));
        controller.watchHeads(head.trackedHeads());

        VBox left = new VBox(14, facts, prompt, lanes);
        left.setPadding(new Insets(12));
        left.getStyleClass().add("side");
        VBox.setVgrow(lanes, Priority.ALWAYS);
        ScrollPane leftScroll = new ScrollPane(left);
        leftScroll.setFitToWidth(true);
        leftScroll.getStyleClass().add("side-scroll");
        leftScroll.setMinWidth(360);

        transport.setPadding(new Insets(8, 12, 8, 12));
        VBox right = new VBox(explanation, transport, views);
        VBox.setVgrow(views, Priority.ALWAYS);
        explanation.setPadding(new Insets(10, 12, 10, 12));
        split = new SplitPane(leftScroll, right);
        split.setOrientation(Orientation.HORIZONTAL);
        split.setDividerPositions(settings.sideDivider());
        SplitPane.setResizableWithParent(leftScroll, false);

        progress.setVisible(false);
        progress.setPrefWidth(160);
        status.setId("status");
        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        backendStatus.setId("backend-status");
        backendStatus.setMinWidth(Region.USE_PREF_SIZE); // the status message gives way, not this
        HBox statusBar = new HBox(10, status, grow, backendStatus, progress);
        statusBar.getStyleClass().add("status-bar");
        statusBar.setPadding(new Insets(4, 12, 4, 12));

        BorderPane root = new BorderPane(split);
        root.setTop(menus());
        root.setBottom(statusBar);
        root.getStyleClass().add("kvlens-root");
        scene = new Scene(root, 1440, 900);
        applyTheme(settings.theme());
        fontScale(settings.fontScale());
        installKeys();
        installDragAndDrop();
        stage.setScene(scene);
        stage.setMinWidth(960);
        stage.setMinHeight(600);
        updateTitle();
        model.addListener((o, a, b) -> {
            updateTitle();
            backendStatus.setText(b == null ? "" : "Backend: " + b.backendDescription());
        });
        stage.setOnHidden(e -> {
            settings.sideDivider(split.getDividerPositions()[0]);
            controller.closeCurrent(model.get() == null ? null : model.get().files());
        });
    }

    // ---------------------------------------------------------------- accessors (tests, app)

    public Stage stage() {
        return stage;
    }

    public Scene scene() {
        return scene;
    }

    public SessionController controller() {
        return controller;
    }

    public LanesPane lanes() {
        return lanes;
    }

    public ViewArea views() {
        return views;
    }

    public PromptPane prompt() {
        return prompt;
    }

    public ExplanationPane explanation() {
        return explanation;
    }

    /** The model behind one view, brought up to date first (tests, exports). */
    public SessionViewModel viewModel(ViewKind kind) {
        feeds.catchUp(kind);
        return feeds.model(kind);
    }

    ViewFeeds feeds() {
        return feeds;
    }

    public HeadGridView headGrid() {
        return headGrid;
    }

    /** The key spectrum panel beside the head view. */
    public KeySpectrumView keySpectrum() {
        return keySpectrum;
    }

    public LoadedModel model() {
        return model.get();
    }

    public ObjectProperty<LoadedModel> modelProperty() {
        return model;
    }

    public List<Scenario> scenarios() {
        return scenarios;
    }

    public double fontScale() {
        return fontScale;
    }

    /** True while a model or recording is being read. */
    public boolean busy() {
        return loading != null && loading.isRunning();
    }

    // ---------------------------------------------------------------- menus

    private MenuBar menus() {
        MenuItem open = item("Open model…", "Shortcut+O", this::chooseModelFile);
        MenuItem openFolder = item("Open Hugging Face folder…", null, this::chooseModelFolder);
        MenuItem openRec = item("Open recording…", "Shortcut+R", this::chooseRecording);
        MenuItem saveRec = item("Save recording…", "Shortcut+S", this::saveRecording);
        Menu png = new Menu("Export view as PNG");
        for (int s = 1; s <= 4; s++) {
            int scale = s;
            png.getItems().add(item(s + "× scale…", s == 1 ? "Shortcut+E" : null, () -> exportPng(scale)));
        }
        MenuItem svg = item("Export charts as SVG…", null, () -> exportReport("charts"));
        MenuItem csv = item("Export metrics as CSV…", null, this::exportCsv);
        MenuItem html = item("HTML report…", null, () -> exportReport("report"));
        MenuItem quit = item("Quit", "Shortcut+Q", stage::close);
        Menu file = new Menu("File", null, open, openFolder, new SeparatorMenuItem(), openRec, saveRec,
                new SeparatorMenuItem(), png, svg, csv, html, new SeparatorMenuItem(), quit);

        Menu scenarioMenu = new Menu("Scenarios");
        scenarioMenu.setId("scenarios-menu");
        try {
            scenarios = ScenarioLibrary.shipped();
        } catch (IOException e) {
            scenarios = List.of();
            status.setText("Scenarios could not be read: " + e.getMessage());
        }
        for (Scenario s : scenarios) {
            MenuItem mi = item(s.title(), null, () -> openScenario(s));
            mi.setId("scenario-" + s.id());
            scenarioMenu.getItems().add(mi);
        }

        Menu view = new Menu("View");
        for (ViewKind k : ViewKind.values()) {
            view.getItems().add(item(k.title(), null, () -> views.show(k)));
        }
        darkTheme.setSelected(settings.theme() == Theme.DARK);
        darkTheme.setAccelerator(KeyCombination.keyCombination("Shortcut+T"));
        darkTheme.setOnAction(e -> {
            Theme t = darkTheme.isSelected() ? Theme.DARK : Theme.LIGHT;
            applyTheme(t);
            settings.theme(t);
        });
        presentation.setAccelerator(KeyCombination.keyCombination("F5"));
        presentation.setOnAction(e -> fontScale(presentation.isSelected() ? PRESENTATION_SCALE : 1.0));
        // Ctrl +/-/0 are handled by the scene's key filter (installKeys): "+" is Shift+= on most
        // layouts, which no single menu accelerator matches.
        MenuItem bigger = item("Larger text\tCtrl +", null, this::largerText);
        MenuItem smaller = item("Smaller text\tCtrl -", null, this::smallerText);
        MenuItem normal = item("Normal text size\tCtrl 0", null, () -> fontScale(1.0));
        view.getItems().addAll(new SeparatorMenuItem(), darkTheme, presentation, bigger, smaller, normal);
        backendMenu = new BackendMenu(settings.backend(), this::chooseBackend);
        view.getItems().addAll(new SeparatorMenuItem(), backendMenu);

        MenuItem keys = item("Keyboard", null, () -> {
            Alert a = new Alert(Alert.AlertType.INFORMATION);
            a.initOwner(stage);
            a.setTitle("KV Lens");
            a.setHeaderText("Keyboard");
            a.setContentText("Space: run / pause\nRight: step forward\nLeft: step back\nCtrl +/-: text size\n"
                    + "F5: presentation mode\nCtrl+T: dark / light theme\nCtrl+O: open model\nCtrl+E: export view");
            a.getDialogPane().getStylesheets().setAll(scene.getStylesheets());
            a.show();
        });
        Menu help = new Menu("Help", null, keys);
        MenuBar bar = new MenuBar(file, scenarioMenu, view, help);
        bar.setId("menu-bar");
        return bar;
    }

    private static MenuItem item(String text, String accelerator, Runnable action) {
        MenuItem mi = new MenuItem(text);
        if (accelerator != null) {
            mi.setAccelerator(KeyCombination.keyCombination(accelerator));
        }
        mi.setOnAction(e -> action.run());
        return mi;
    }

    // ---------------------------------------------------------------- look

    public void applyTheme(Theme theme) {
        scene.getStylesheets().setAll(Theme.class.getResource("/dev/kvlens/app/assets/themes/base.css")
                .toExternalForm(), theme.stylesheet());
        darkTheme.setSelected(theme == Theme.DARK);
    }

    public Theme theme() {
        return darkTheme.isSelected() ? Theme.DARK : Theme.LIGHT;
    }

    private void largerText() {
        fontScale(fontScale * 1.1);
    }

    private void smallerText() {
        fontScale(fontScale / 1.1);
    }

    /** Scales every font of the window (presentation mode, Ctrl +/-); remembered. */
    public void fontScale(double scale) {
        fontScale = Math.max(MIN_FONT_SCALE, Math.min(MAX_FONT_SCALE, scale));
        scene.getRoot().setStyle(String.format(Locale.ROOT, "-fx-font-size: %.1fpx;", BASE_FONT_PX * fontScale));
        presentation.setSelected(fontScale >= PRESENTATION_SCALE - 1e-9);
        settings.fontScale(fontScale);
    }

    private void installKeys() {
        scene.addEventFilter(KeyEvent.KEY_PRESSED, e -> {
            if (e.isShortcutDown() && !e.isAltDown()) {
                switch (e.getCode()) {
                    case EQUALS, PLUS, ADD -> largerText();
                    case MINUS, SUBTRACT -> smallerText();
                    case DIGIT0, NUMPAD0 -> fontScale(1.0);
                    default -> {
                        return;
                    }
                }
                e.consume();
                return;
            }
            if (e.isShortcutDown() || e.isAltDown() || scene.getFocusOwner() instanceof TextInputControl) {
                return;
            }
            // Arrows step even when the lanes table has focus: it has no horizontal use for them.
            switch (e.getCode()) {
                case SPACE -> controller.togglePlay();
                case RIGHT -> controller.step();
                case LEFT -> controller.stepBack();
                default -> {
                    return;
                }
            }
            e.consume();
        });
    }

    private void installDragAndDrop() {
        scene.setOnDragOver(e -> {
            if (e.getDragboard().hasFiles() && e.getDragboard().getFiles().size() == 1) {
                e.acceptTransferModes(TransferMode.COPY, TransferMode.LINK);
            }
            e.consume();
        });
        scene.setOnDragDropped(e -> {
            List<File> files = e.getDragboard().getFiles();
            boolean ok = files != null && files.size() == 1;
            if (ok) {
                Path p = files.getFirst().toPath();
                if (isRecording(p)) {
                    openRecording(p);
                } else {
                    openModel(p);
                }
            }
            e.setDropCompleted(ok);
            e.consume();
        });
    }

    /** Whether the file starts with a recording's magic (KVLREC). */
    static boolean isRecording(Path p) {
        if (!Files.isRegularFile(p)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(p)) {
            byte[] m = in.readNBytes(6);
            return new String(m, StandardCharsets.US_ASCII).equals("KVLREC");
        } catch (IOException e) {
            return false;
        }
    }

    private void updateTitle() {
        LoadedModel m = model.get();
        String name = m == null ? (controller.isReplaying() ? replayTitle : "no model")
                : m.config().name() + " (" + fileName(m.facts().source()) + ")";
        stage.setTitle("KV Lens — " + name);
    }

    private String replayTitle = "";

    private static String fileName(Path p) {
        return p.getFileName() == null ? p.toString() : p.getFileName().toString();
    }

    // ---------------------------------------------------------------- model

    /** The model to open at start: the bundled one, else the last one used; null means ask. */
    public static Path defaultModel(AppSettings settings) {
        List<Path> bundled = Assets.bundledModels();
        if (!bundled.isEmpty()) {
            return bundled.getFirst();
        }
        return settings.lastModel().filter(Files::exists).orElse(null);
    }

    private void chooseModelFile() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Open a model (GGUF, or a Hugging Face model's config.json / safetensors)");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("Models", "*.gguf", "*.safetensors",
                "config.json"), new FileChooser.ExtensionFilter("All files", "*"));
        settings.lastFolder().filter(Files::isDirectory).ifPresent(d -> fc.setInitialDirectory(d.toFile()));
        File f = fc.showOpenDialog(stage);
        if (f != null) {
            openModel(f.toPath());
        }
    }

    private void chooseModelFolder() {
        DirectoryChooser dc = new DirectoryChooser();
        dc.setTitle("Open a Hugging Face model folder");
        settings.lastFolder().filter(Files::isDirectory).ifPresent(d -> dc.setInitialDirectory(d.toFile()));
        File f = dc.showDialog(stage);
        if (f != null) {
            openModel(f.toPath());
        }
    }

    /** Asks for a model when none is known (first start). */
    public void promptForModel() {
        Alert a = new Alert(Alert.AlertType.INFORMATION);
        a.initOwner(stage);
        a.setTitle("KV Lens");
        a.setHeaderText("Open a model to begin");
        a.setContentText("KV Lens runs a real model: choose a GGUF file (Llama, Qwen, Mistral, SmolLM…) or a "
                + "Hugging Face folder. You can also drop one onto the window, or open a recording instead.");
        a.getDialogPane().getStylesheets().setAll(scene.getStylesheets());
        a.showAndWait();
        chooseModelFile();
    }

    /**
     * Loads a model off the JavaFX thread with progress; on success it replaces the current one (its
     * facts shown, its session closed), on failure a dialog says why and nothing else changes.
     */
    public Task<LoadedModel> openModel(Path path) {
        BackendChoice backend = settings.backend();
        Task<LoadedModel> task = new Task<>() {
            @Override
            protected LoadedModel call() {
                updateMessage("Loading " + fileName(path) + "…");
                LoadedModel loaded = ModelLoader.load(path);
                if (backend == BackendChoice.CPU) {
                    return loaded;
                }
                updateMessage("Starting the " + backend.cliName() + " backend for " + fileName(path) + "…");
                try {
                    return loaded.withBackend(backend);
                } catch (RuntimeException | Error e) {
                    loaded.close();
                    throw e;
                }
            }
        };
        task.setOnSucceeded(e -> {
            LoadedModel old = model.get();
            LoadedModel m = task.getValue();
            controller.closeCurrent(old == null ? null : old.files());
            model.set(m);
            facts.show(m);
            lanes.editableProperty().set(true);
            settings.lastModel(path);
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                settings.lastFolder(Files.isDirectory(path) ? parent : parent);
            }
            status.setText("Loaded " + m.config().name() + " from " + path);
            if (prompt.prompt().isBlank() && !scenarios.isEmpty()) {
                prompt.prompt(scenarios.getFirst().prompt());
            }
        });
        task.setOnFailed(e -> {
            status.setText("Could not open " + path);
            Dialogs.error(stage, "Cannot open the model " + fileName(path), task.getException());
        });
        run(task);
        return task;
    }

    /**
     * A backend picked in View > Backend: remembered, and the loaded model reloaded on it (its session
     * started again when one ran). When the backend cannot start, the model stays as it was.
     */
    private void chooseBackend(BackendChoice choice) {
        BackendChoice before = settings.backend();
        settings.backend(choice);
        LoadedModel m = model.get();
        if (m == null || choice == m.backend().choice()) {
            return;
        }
        boolean hadSession = controller.session() != null;
        Task<LoadedModel> task = openModel(m.facts().source());
        // Added handlers run before openModel's own onSucceeded, which installs the model: act after it.
        task.addEventHandler(javafx.concurrent.WorkerStateEvent.WORKER_STATE_SUCCEEDED, e -> Platform.runLater(() -> {
            if (hadSession) {
                startSession();
            }
            status.setText("Model reloaded on the " + choice.cliName() + " backend"
                    + (hadSession ? "; session started again" : ""));
        }));
        task.addEventHandler(javafx.concurrent.WorkerStateEvent.WORKER_STATE_FAILED, e -> {
            settings.backend(before);
            backendMenu.select(before);
        });
    }

    /** The backend chooser in the View menu. */
    BackendMenu backendMenu() {
        return backendMenu;
    }

    private void run(Task<?> task) {
        loading = task;
        progress.setVisible(true);
        progress.progressProperty().bind(task.progressProperty());
        status.textProperty().unbind();
        status.setText(task.getMessage() == null || task.getMessage().isEmpty() ? "Working…" : task.getMessage());
        task.messageProperty().addListener((o, a, b) -> status.setText(b));
        task.runningProperty().addListener((o, a, running) -> {
            if (!running) {
                progress.progressProperty().unbind();
                progress.setVisible(false);
            }
        });
        Thread.ofPlatform().daemon().name("kvlens-task").start(task);
    }

    // ---------------------------------------------------------------- session

    /** Starts a new session from the prompt and the lanes; refused input shows a dialog and changes nothing. */
    public void startSession() {
        startSession(0);
    }

    private void startSession(int stepTo) {
        LoadedModel m = model.get();
        if (m == null) {
            Dialogs.error(stage, "No model loaded", "Open a model first (File > Open model…, or drop one here).");
            return;
        }
        String text = prompt.prompt();
        if (text.isBlank()) {
            Dialogs.error(stage, "The prompt is empty", "Type a prompt, load a text file or pick a scenario.");
            return;
        }
        try {
            int[] ids = m.tokenizer().encode(text, m.tokenizer().addsBos(), false);
            SessionSettings s = transport.mode() == SessionMode.TEACHER_FORCED
                    ? SessionSettings.generate(ids, prompt.newTokens())
                    : SessionSettings.freeRunning(ids, prompt.newTokens(), new SamplingSettings(0.8f, 40, 0.95f, 42));
            controller.start(m, s, lanes.configs(), stepTo);
            lanes.editableProperty().set(true);
            status.setText(String.format(Locale.ROOT, "Session: %d prompt tokens, %d lanes, %s", ids.length,
                    lanes.rows().size(), transport.mode().label()));
            if (stepTo == 0) {
                controller.step();
            }
        } catch (IllegalArgumentException e) {
            Dialogs.error(stage, "The session cannot start", e);
        }
    }

    /** Lanes added or removed, or the mode changed: a new session, stepped to where the old one was. */
    private void restartKeepingPosition() {
        if (controller.session() == null || model.get() == null) {
            return;
        }
        int p = controller.positionProperty().get();
        int promptLength = controller.session().settings().prompt().length;
        int steps = p < 0 ? 0 : 1 + Math.max(0, p - (promptLength - 1));
        boolean wasRunning = controller.phaseProperty().get() == SessionController.Phase.RUNNING;
        startSession(Math.max(steps, 1));
        if (wasRunning) {
            controller.play();
        }
    }

    /** A lane's new configuration, applied live (the session replays that lane); false if refused. */
    private boolean changeLane(int lane, LaneConfig config) {
        if (controller.session() != null && lane < controller.session().laneCount()) {
            try {
                controller.changeLane(lane, config);
            } catch (IllegalArgumentException | IllegalStateException e) {
                Dialogs.error(stage, "The lane cannot change", e);
                return false;
            }
            status.setText("Lane " + lane + " now " + config);
        }
        return true;
    }

    private void loadPromptFile() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Load a prompt from a text file");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("Text", "*.txt", "*.md"),
                new FileChooser.ExtensionFilter("All files", "*"));
        File f = fc.showOpenDialog(stage);
        if (f == null) {
            return;
        }
        try {
            if (Files.size(f.toPath()) > 4 << 20) {
                Dialogs.error(stage, "That file is too large for a prompt", f + " is over 4 MiB.");
                return;
            }
            prompt.prompt(Files.readString(f.toPath(), StandardCharsets.UTF_8));
        } catch (IOException | java.io.UncheckedIOException e) {
            Dialogs.error(stage, "Cannot read " + f.getName(), e);
        }
    }

    /** A scenario: its prompt, lanes, mode and view, its explanation shown, and a session started. */
    public void openScenario(Scenario s) {
        List<LaneConfig> configs = new ArrayList<>();
        try {
            for (ScenarioLane l : s.lanes()) {
                configs.add(l.config());
            }
        } catch (IllegalArgumentException e) {
            Dialogs.error(stage, "Scenario " + s.title() + " is not valid", e);
            return;
        }
        prompt.prompt(s.prompt());
        prompt.newTokens(s.maxNewTokens());
        transport.mode(SessionMode.parse(s.mode()));
        lanes.setLanes(configs);
        explanation.show(s);
        if (!views.show(ViewKind.of(s.view()))) {
            views.show(ViewKind.OUTPUT);
        }
        if (model.get() != null) {
            startSession();
        }
    }

    // ---------------------------------------------------------------- recordings and exports

    private void chooseRecording() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Open a recording");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("KV Lens recordings", "*.kvrec"),
                new FileChooser.ExtensionFilter("All files", "*"));
        File f = fc.showOpenDialog(stage);
        if (f != null) {
            openRecording(f.toPath());
        }
    }

    /** Reads a recording off the JavaFX thread, then replays it; a bad file shows why and changes nothing. */
    public Task<Recording> openRecording(Path file) {
        Task<Recording> task = new Task<>() {
            @Override
            protected Recording call() {
                updateMessage("Reading " + fileName(file) + "…");
                return Recording.read(file);
            }
        };
        task.setOnSucceeded(e -> {
            Recording r = task.getValue();
            LoadedModel old = model.get();
            lanes.editableProperty().set(false);
            SessionStarted start = (SessionStarted) r.events().getFirst();
            replayTitle = start.model().name() + " (recording " + fileName(file) + ")";
            model.set(null);
            controller.closeCurrent(old == null ? null : old.files());
            controller.replay(r.events());
            facts.show(start.model(), fileName(file));
            explanation.hide();
            updateTitle();
            status.setText("Replaying " + file + " (" + r.events().size() + " events); step with the arrows");
        });
        task.setOnFailed(e -> {
            status.setText("Could not open " + file);
            Dialogs.error(stage, "Cannot open the recording " + fileName(file), task.getException());
        });
        run(task);
        return task;
    }

    private void saveRecording() {
        if (controller.log().isEmpty()) {
            Dialogs.error(stage, "Nothing to save", "Run a session first.");
            return;
        }
        FileChooser fc = new FileChooser();
        fc.setTitle("Save the session as a recording");
        fc.setInitialFileName("session.kvrec");
        File f = fc.showSaveDialog(stage);
        if (f != null) {
            saveRecording(f.toPath());
        }
    }

    /** Writes what the session published so far, off the JavaFX thread. */
    public Task<Path> saveRecording(Path file) {
        List<SessionEvent> events = controller.log().snapshot();
        Task<Path> task = new Task<>() {
            @Override
            protected Path call() throws IOException {
                updateMessage("Writing " + fileName(file) + "…");
                return Recording.write(file, events);
            }
        };
        task.setOnSucceeded(e -> status.setText("Saved " + events.size() + " events to " + file
                + (controller.log().framesDropped() ? " (some attention frames left out to bound memory)" : "")));
        task.setOnFailed(e -> Dialogs.error(stage, "Cannot save the recording", task.getException()));
        run(task);
        return task;
    }

    private void exportPng(int scale) {
        FileChooser fc = new FileChooser();
        fc.setTitle("Export the view as PNG (" + scale + "×)");
        fc.setInitialFileName(views.current().id() + "@" + scale + "x.png");
        File f = fc.showSaveDialog(stage);
        if (f != null) {
            exportPng(scale, f.toPath());
        }
    }

    /** Snapshots the current view now, writes the PNG off the JavaFX thread. */
    public Task<Path> exportPng(int scale, Path file) {
        var image = ViewExport.snapshot(views.currentView(), scale, themeBackground());
        Task<Path> task = new Task<>() {
            @Override
            protected Path call() throws IOException {
                Exports.writePng(image, file);
                return file;
            }
        };
        task.setOnSucceeded(e -> status.setText("Exported " + image.getWidth() + "×" + image.getHeight() + " to "
                + file));
        task.setOnFailed(e -> Dialogs.error(stage, "Cannot export the view", task.getException()));
        run(task);
        return task;
    }

    private javafx.scene.paint.Color themeBackground() {
        return theme() == Theme.DARK ? javafx.scene.paint.Color.web("#1b1e23") : javafx.scene.paint.Color.web("#f4f5f7");
    }

    /** The memory and quality charts as SVG files in {@code folder}; the snapshot of data is taken now. */
    public Task<List<Path>> exportSvg(Path folder) {
        Path memory = folder.resolve("memory.svg");
        Path quality = folder.resolve("quality.svg");
        feeds.catchUp(ViewKind.MEMORY);
        feeds.catchUp(ViewKind.QUALITY);
        String memorySvg = memoryChart.toSvg(1000, 560);
        String qualitySvg = qualityChart.toSvg(1000, 900);
        Task<List<Path>> task = new Task<>() {
            @Override
            protected List<Path> call() throws IOException {
                Files.createDirectories(folder);
                Files.writeString(memory, memorySvg, StandardCharsets.UTF_8);
                Files.writeString(quality, qualitySvg, StandardCharsets.UTF_8);
                return List.of(memory, quality);
            }
        };
        task.setOnSucceeded(e -> status.setText("Charts written to " + folder));
        task.setOnFailed(e -> Dialogs.error(stage, "Cannot export the charts", task.getException()));
        run(task);
        return task;
    }

    private void exportCsv() {
        if (controller.log().isEmpty()) {
            Dialogs.error(stage, "Nothing to export", "Run a session first.");
            return;
        }
        FileChooser fc = new FileChooser();
        fc.setTitle("Export the metrics as CSV");
        fc.setInitialFileName("metrics.csv");
        File f = fc.showSaveDialog(stage);
        if (f != null) {
            exportCsv(f.toPath());
        }
    }

    /** The session's metrics so far as CSV at {@code file}, written off the JavaFX thread. */
    public Task<Path> exportCsv(Path file) {
        List<SessionEvent> events = controller.log().asItStands();
        Task<Path> task = new Task<>() {
            @Override
            protected Path call() throws IOException {
                Exports.metricsCsv(events, file);
                return file;
            }
        };
        task.setOnSucceeded(e -> status.setText("Metrics written to " + file));
        task.setOnFailed(e -> Dialogs.error(stage, "Cannot export the metrics", task.getException()));
        run(task);
        return task;
    }

    private void exportReport(String what) {
        if (controller.log().isEmpty()) {
            Dialogs.error(stage, "Nothing to export", "Run a session first.");
            return;
        }
        DirectoryChooser dc = new DirectoryChooser();
        dc.setTitle(what.equals("report") ? "Folder for the HTML report" : "Folder for the charts (SVG and PNG)");
        File d = dc.showDialog(stage);
        if (d != null) {
            if (what.equals("report")) {
                exportReport(d.toPath());
            } else {
                exportSvg(d.toPath());
            }
        }
    }

    /** The comparison report of the session so far (HTML, CSV, charts as SVG and PNG), off the JavaFX thread. */
    public Task<dev.kvlens.inference.report.ReportFiles> exportReport(Path folder) {
        List<SessionEvent> events = controller.log().asItStands();
        Task<dev.kvlens.inference.report.ReportFiles> task = new Task<>() {
            @Override
            protected dev.kvlens.inference.report.ReportFiles call() throws IOException {
                updateMessage("Writing the report…");
                return Exports.report(events, folder);
            }
        };
        task.setOnSucceeded(e -> {
            status.setText("Report written to " + task.getValue().html());
            getHostServicesOpen(task.getValue().html());
        });
        task.setOnFailed(e -> Dialogs.error(stage, "Cannot write the report", task.getException()));
        run(task);
        return task;
    }

    private void getHostServicesOpen(Path html) {
        if (hostServices != null && !Boolean.getBoolean("kvlens.noBrowser")) {
            hostServices.showDocument(html.toUri().toString());
        }
    }

    private javafx.application.HostServices hostServices;

    void hostServices(javafx.application.HostServices hs) {
        this.hostServices = hs;
    }

    /** For tests: run on the JavaFX thread later. */
    static void later(Runnable r) {
        Platform.runLater(r);
    }
}
