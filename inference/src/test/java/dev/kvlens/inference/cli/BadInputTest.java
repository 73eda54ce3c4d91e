package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Hostile and broken inputs through the command line: each must end with exit status 2 and one
 * line on stderr that names the file and the problem; never a stack trace or an OutOfMemoryError.
 * Hostile files are made from the real ones in a temporary folder.
 */
class BadInputTest {

    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private GgufBytes stories() throws IOException {
        return new GgufBytes(Files.readAllBytes(Cli.STORIES));
    }

    /** Runs {@code command} on {@code model}; checks the one-line failure and returns it. */
    private static String failure(String command, Path model, String... more) {
        String[] args = Stream.concat(Stream.of(command, "--model", model.toString()), Arrays.stream(more))
                .toArray(String[]::new);
        if (command.equals("generate")) {
            args = Stream.concat(Arrays.stream(args), Stream.of("--prompt", "Once")).toArray(String[]::new);
        } else if (command.equals("tokenize")) {
            args = Stream.concat(Arrays.stream(args), Stream.of("--text", "Once")).toArray(String[]::new);
        }
        CliResult r = Cli.run(args);
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("", r.out());
        String[] lines = r.errLines();
        assertEquals(1, lines.length, "one line on stderr, got:\n" + r.err());
        assertTrue(lines[0].startsWith("kvlens: " + model), lines[0]);
        return lines[0];
    }

    private static void assertMentions(String line, String... parts) {
        for (String part : parts) {
            assertTrue(line.contains(part), "'" + part + "' in: " + line);
        }
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] all = Files.readAllBytes(Cli.STORIES);
        Path half = write("half.gguf", Arrays.copyOf(all, all.length / 2));
        // The header survives; the first tensor whose data was cut off is named.
        for (String command : new String[] {"generate", "inspect"}) {
            String line = failure(command, half);
            assertMentions(line, "tensor '", Integer.toString(all.length / 2));
            assertTrue(line.contains("truncated") || line.contains("beyond the end of the file"), line);
        }
    }

    @Test
    void truncatedInsideTheHeader() throws IOException {
        byte[] all = Files.readAllBytes(Cli.STORIES);
        Path cut = write("cut.gguf", Arrays.copyOf(all, 5000));
        assertMentions(failure("tokenize", cut), "truncated", "file has 5000");
    }

    @Test
    void wrongMagic() throws IOException {
        Path p = write("magic.gguf", stories().putAscii(0, "GGML").bytes);
        assertMentions(failure("inspect", p), "not a GGUF file");
    }

    @Test
    void unsupportedVersion() throws IOException {
        Path p = write("version.gguf", stories().putU32(4, 7).bytes);
        assertMentions(failure("generate", p), "unsupported GGUF version 7");
    }

    @Test
    void tensorOffsetPastTheEnd() throws IOException {
        GgufBytes g = stories();
        Path p = write("offset.gguf", g.putU64(g.tensorOffset("output_norm.weight"), 1L << 40).bytes);
        assertMentions(failure("generate", p), "output_norm.weight", "beyond the end of the file");
    }

    @Test
    void tensorDataRunningPastTheEnd() throws IOException {
        GgufBytes g = stories();
        // Aligned and inside the file, but the tensor's 128 KiB cannot fit after it.
        long offset = (g.bytes.length - 4096) & ~31L;
        Path p = write("overrun.gguf", g.putU64(g.tensorOffset("token_embd.weight"), offset).bytes);
        assertMentions(failure("inspect", p), "token_embd.weight", "truncated");
    }

    @Test
    void absurdDimensions() throws IOException {
        GgufBytes g = stories();
        Path p = write("dims.gguf", g.putU64(g.tensorDim("blk.0.attn_q.weight", 1), 1L << 40).bytes);
        assertMentions(failure("generate", p), "blk.0.attn_q.weight", "more than the whole file");
    }

    @Test
    void unknownTensorType() throws IOException {
        GgufBytes g = stories();
        Path p = write("type.gguf", g.putU32(g.tensorType("blk.2.ffn_up.weight"), 99).bytes);
        assertMentions(failure("generate", p), "blk.2.ffn_up.weight", "unknown ggml type id 99");
    }

    @Test
    void unknownArchitecture() throws IOException {
        GgufBytes g = stories();
        // The value of general.architecture follows its key and the STRING type id (8).
        int value = g.after("general.architecture") + 4;
        assertEquals(5, g.bytes[value]);
        Path p = write("arch.gguf", g.putAscii(value + 8, "mamba").bytes);
        assertMentions(failure("generate", p), "unsupported architecture 'mamba'");
    }

    @Test
    void missingTensor() throws IOException {
        GgufBytes g = stories();
        // Same length, so every offset stays valid: the file just lacks blk.4.ffn_up.weight.
        int end = g.after("blk.4.ffn_up.weight");
        Path p = write("missing.gguf", g.putAscii(end - "up.weight".length(), "uq").bytes);
        assertMentions(failure("generate", p), "missing tensor 'blk.4.ffn_up.weight'");
    }

    @Test
    void malformedTokenizerJson() throws IOException {
        Path folder = dir.resolve("tinystories");
        Files.createDirectories(folder);
        try (Stream<Path> files = Files.list(Cli.TINYSTORIES_HF)) {
            for (Path f : files.toList()) {
                Files.copy(f, folder.resolve(f.getFileName()));
            }
        }
        Path json = folder.resolve("tokenizer.json");
        byte[] text = Files.readAllBytes(json);
        Files.write(json, Arrays.copyOf(text, text.length / 3));
        String line = failure("tokenize", folder);
        assertMentions(line, "tokenizer.json");
        assertMentions(failure("generate", folder), "tokenizer.json");
    }

    @Test
    void nonexistentFile() {
        Path none = dir.resolve("no-such-model.gguf");
        assertMentions(failure("generate", none), "no such file");
        assertMentions(failure("tokenize", none), "no such file");
        assertMentions(failure("bench", none), "no such file");
    }

    @Test
    void notAModelAtAll() throws IOException {
        Path p = write("notes.txt", "hello, this is not a model\n".getBytes());
        assertMentions(failure("inspect", p), "not a GGUF file");
    }

    @Test
    void emptyFile() throws IOException {
        Path p = write("empty.gguf", new byte[0]);
        assertMentions(failure("generate", p), "truncated");
    }

    @Test
    void synthFromABrokenVocabulary() throws IOException {
        Path p = write("magic.gguf", stories().putAscii(0, "GGML").bytes);
        CliResult r = Cli.run("synth", "--layers", "1", "--dim", "64", "--heads", "4", "--ffn", "64",
                "--vocab-from", p.toString(), "--out", dir.resolve("out.gguf").toString());
        assertEquals(2, r.exitCode());
        assertEquals(1, r.errLines().length, r.err());
        assertMentions(r.err(), p.toString(), "not a GGUF file");
        assertFalse(Files.exists(dir.resolve("out.gguf")));
    }

    @Test
    void plainCommandLineObjectReportsTheSameWay() throws IOException {
        // Without the one-line usage handler main installs, model errors are still one line, exit 2.
        Path p = write("version.gguf", stories().putU32(4, 7).bytes);
        CliResult r = Cli.run(new CommandLine(new KvLensCommand()), "inspect", "--model", p.toString());
        assertEquals(2, r.exitCode());
        assertEquals(1, r.errLines().length, r.err());
        assertMentions(r.err(), "kvlens: " + p, "unsupported GGUF version 7");
    }
}
