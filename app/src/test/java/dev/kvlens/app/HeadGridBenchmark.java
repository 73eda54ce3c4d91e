package dev.kvlens.app;

import static dev.kvlens.app.FxThread.waitFor;
import dev.kvlens.inference.cli.KvLensCommand;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.prefs.Preferences;
import javafx.animation.AnimationTimer;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Head-grid frame rate during decode at a given layers x heads shape and context (not part of the
 * default suite: {@code -Dtest=HeadGridBenchmark -Dshape=16x32x8 -Dprompt=1900 -Dtokens=100}). The model
 * is a random-weight synth of that shape with a narrow width (head dim 8): the grid's work depends on
 * layers, heads and positions, not on the width, and a narrow model keeps the decode itself fast.
 */
class HeadGridBenchmark {

    private static MainWindow window;

    @Test
    void headGridFramesPerSecondDuringDecode() throws Exception {
        String[] shape = System.getProperty("shape", "16x32x8").split("x");
        int layers = Integer.parseInt(shape[0]), heads = Integer.parseInt(shape[1]), kv = Integer.parseInt(shape[2]);
        int promptTokens = Integer.getInteger("prompt", 1900), tokens = Integer.getInteger("tokens", 100);
        Path models = Path.of(System.getProperty("kvlens.models"));
        Path dir = Files.createTempDirectory("kvlens-bench");
        Path model = dir.resolve("synth.gguf");
        int code = KvLensCommand.commandLine().execute("synth", "--layers", "" + layers, "--dim", "" + heads * 8,
                "--heads", "" + heads, "--kv-heads", "" + kv, "--ffn", "" + heads * 16, "--context", "2048",
                "--vocab-from", models.resolve("stories260K.gguf").toString(), "--out", model.toString());
        if (code != 0) {
            throw new IllegalStateException("synth failed: " + code);
        }
        AppSettings settings = new AppSettings(Preferences.userRoot().node("/dev/kvlens/app-bench-" + ProcessHandle.current().pid()));
        settings.clear();
        Stage stage = FxToolkit.registerPrimaryStage();
        FxToolkit.setupFixture(() -> window = KvLensApp.open(stage, settings, model));
        waitFor(60, () -> window.model() != null);
        StringBuilder text = new StringBuilder();
        while (onFx(() -> window.model().tokenizer().encode(text.toString(), true, false).length) < promptTokens) {
            text.append("Once upon a time, there was a little girl named Lily. She loved to play outside in the park. ");
        }
        WaitForAsyncUtils.asyncFx(() -> {
            window.prompt().prompt(text.toString());
            window.prompt().newTokens(tokens);
            window.views().show(ViewKind.HEAD_GRID);
            window.startSession();
        }).get();
        // The prompt read (prefill done): its step's frames have reached the grid's model.
        waitFor(600, () -> window.viewModel(ViewKind.HEAD_GRID).lane(0) != null
                && window.viewModel(ViewKind.HEAD_GRID).lane(0).latestStep() >= 0
                && window.controller().session().state() == dev.kvlens.inference.session.Session.State.PAUSED);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        AtomicLong last = new AtomicLong(), lastCpu = new AtomicLong(), worst = new AtomicLong(), cpuSum = new AtomicLong();
        AtomicLong pulses = new AtomicLong(), worstCpu = new AtomicLong(), worstAt = new AtomicLong();
        AtomicLong over100 = new AtomicLong(), firstPulse = new AtomicLong(), worstUptime = new AtomicLong();
        // After play the session first reads the prompt (prefill, frames of every position), then decodes:
        // the first pulse showing a step past the prompt splits the run in two.
        int promptStep = onFx(() -> window.viewModel(ViewKind.HEAD_GRID).lane(0).latestStep());
        AtomicLong decodeStart = new AtomicLong(), decodePaints0 = new AtomicLong();
        AnimationTimer monitor = new AnimationTimer() {
            @Override
            public void handle(long now) {
                if (decodeStart.get() == 0 && window.viewModel(ViewKind.HEAD_GRID).lane(0).latestStep() > promptStep) {
                    decodeStart.set(System.nanoTime());
                    decodePaints0.set(window.headGrid().paints());
                }
                long c = cpu.getCurrentThreadCpuTime();
                long prev = last.getAndSet(now), prevCpu = lastCpu.getAndSet(c);
                if (prev == 0) {
                    firstPulse.set(now);
                } else {
                    if (now - prev > worst.get()) {
                        worstAt.set(now - firstPulse.get());
                        worstUptime.set(ManagementFactory.getRuntimeMXBean().getUptime());
                    }
                    if (now - prev > 100_000_000L) {
                        over100.incrementAndGet();
                    }
                    worst.accumulateAndGet(now - prev, Math::max);
                    cpuSum.addAndGet(c - prevCpu);
                    worstCpu.accumulateAndGet(c - prevCpu, Math::max);
                    pulses.incrementAndGet();
                }
            }
        };
        long paints0 = onFx(() -> window.headGrid().paints());
        long t0 = System.nanoTime();
        WaitForAsyncUtils.asyncFx(() -> {
            monitor.start();
            window.controller().play();
        }).get();
        waitFor(600, () -> window.controller().phaseProperty().get() == SessionController.Phase.FINISHED);
        double s = (System.nanoTime() - t0) / 1e9;
        WaitForAsyncUtils.asyncFx(monitor::stop).get();
        long paintsEnd = onFx(() -> window.headGrid().paints());
        long paints = paintsEnd - paints0;
        double decodeS = (System.nanoTime() - decodeStart.get()) / 1e9;
        System.out.printf(Locale.ROOT, "BENCH prompt read %.1f s after play, then %d steps in %.1f s (%.1f tok/s), head grid"
                + " %.1f fps while decoding%n", s - decodeS, tokens, decodeS, tokens / decodeS,
                (paintsEnd - decodePaints0.get()) / decodeS);
        System.out.printf(Locale.ROOT, "BENCH %d layers x %d heads (%d KV), %d prompt tokens, %d new: play to end %.1f s"
                + " (%.1f tok/s with the prompt), head grid %.1f fps, %.1f pulses/s, worst gap %.1f ms (%.1f s after the first pulse, JVM uptime %.3f s;"
                + " %d gaps over 100 ms), FX CPU %.1f ms per pulse (worst %.1f), load %.1f%n", layers, heads, kv,
                promptTokens, tokens, s, tokens / s, paints / s, pulses.get() / s, worst.get() / 1e6, worstAt.get() / 1e9, worstUptime.get() / 1e3,
                over100.get(), cpuSum.get() / 1e6 / Math.max(1, pulses.get()), worstCpu.get() / 1e6,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        FxToolkit.setupFixture(() -> window.stage().close());
    }

    private static <T> T onFx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(60, TimeUnit.SECONDS);
    }
}
