package dev.kvlens.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class JavaCppCacheTest {

    @Test
    void followsXdgCacheHomeWhenItIsAnAbsolutePath() {
        assertEquals(Path.of("/var/cache/me/kvlens/javacpp"), JavaCppCache.defaultFolder("/var/cache/me", "/home/me"));
    }

    @Test
    void fallsBackToDotCacheInHomeWhenXdgIsUnsetEmptyOrRelative() {
        Path expected = Path.of("/home/me/.cache/kvlens/javacpp");
        assertEquals(expected, JavaCppCache.defaultFolder(null, "/home/me"));
        assertEquals(expected, JavaCppCache.defaultFolder("", "/home/me"));
        assertEquals(expected, JavaCppCache.defaultFolder("relative/cache", "/home/me"));
    }
}
