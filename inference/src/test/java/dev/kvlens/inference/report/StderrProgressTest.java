package dev.kvlens.inference.report;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StderrProgressTest {

    @Test
    void drawsOnStderrAndLeavesStdoutUntouched() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
            try (StderrProgress progress = StderrProgress.start("compare", 10, "tok")) {
                for (int i = 0; i < 10; i++) {
                    progress.step();
                }
                progress.message("done");
                assertEquals(10, progress.current());
            }
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        String drawn = capturedErr.toString(StandardCharsets.UTF_8);
        assertEquals("", capturedOut.toString(StandardCharsets.UTF_8));
        assertTrue(drawn.contains("compare") && drawn.contains("10/10"), drawn);
    }

    @Test
    void quietDrawsNothing() {
        PrintStream err = System.err;
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
            try (StderrProgress progress = StderrProgress.quiet()) {
                progress.stepBy(5);
                assertEquals(0, progress.current());
            }
        } finally {
            System.setErr(err);
        }
        assertEquals(0, capturedErr.size());
    }
}
