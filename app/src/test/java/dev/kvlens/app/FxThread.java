package dev.kvlens.app;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.testfx.util.WaitForAsyncUtils;

/** What the window tests do on the JavaFX thread: read, act, and wait for a condition to hold there. */
final class FxThread {

    private FxThread() {
    }

    static void waitFor(int seconds, Callable<Boolean> condition) throws TimeoutException {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, () -> onFx(condition));
    }

    static <T> T onFx(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(30, TimeUnit.SECONDS);
    }

    static void fx(Runnable r) throws Exception {
        onFx(() -> {
            r.run();
            return null;
        });
    }
}
