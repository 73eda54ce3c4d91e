package dev.kvlens.inference.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * llama.cpp's own Unicode tables (src/unicode-data.cpp: category flags, whitespace set, lower-case
 * map, first-code-point NFD map), read from the resource {@code llama-unicode.txt} that
 * tools/llamacpp/gen-unicode-tables.py extracts. Java's character database follows a different
 * Unicode version, so tokenization would differ on recently assigned code points without these.
 */
final class LlamaUnicodeTables {

    static final int NUMBER = 0x0002;
    static final int LETTER = 0x0004;
    static final int SEPARATOR = 0x0008;
    static final int ACCENT_MARK = 0x0010;
    static final int PUNCTUATION = 0x0020;
    static final int SYMBOL = 0x0040;
    static final int CONTROL = 0x0080;
    static final int WHITESPACE = 0x0100;

    private static final int MAX_CODEPOINTS = 0x110000;
    private static final short[] FLAGS = new short[MAX_CODEPOINTS];
    private static final int[] LOWER_FROM;
    private static final int[] LOWER_TO;
    private static final int[] NFD_FIRST;
    private static final int[] NFD_LAST;
    private static final int[] NFD_TO;

    static {
        IntList flagStarts = new IntList();
        IntList flagValues = new IntList();
        IntList white = new IntList();
        IntList lowerFrom = new IntList();
        IntList lowerTo = new IntList();
        IntList nfdFirst = new IntList();
        IntList nfdLast = new IntList();
        IntList nfdTo = new IntList();
        try (InputStream in = LlamaUnicodeTables.class.getResourceAsStream("llama-unicode.txt")) {
            if (in == null) {
                throw new IllegalStateException("resource llama-unicode.txt is missing from the build");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isEmpty() || line.charAt(0) == '#') {
                    continue;
                }
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "F" -> {
                        flagStarts.add(hex(f[1]));
                        flagValues.add(hex(f[2]));
                    }
                    case "W" -> white.add(hex(f[1]));
                    case "L" -> {
                        lowerFrom.add(hex(f[1]));
                        lowerTo.add(hex(f[2]));
                    }
                    case "N" -> {
                        nfdFirst.add(hex(f[1]));
                        nfdLast.add(hex(f[2]));
                        nfdTo.add(hex(f[3]));
                    }
                    default -> throw new IllegalStateException("llama-unicode.txt: bad line " + line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // as unicode_cpt_flags_array: each range's flags run until the next range starts
        Arrays.fill(FLAGS, (short) 0x0001);
        for (int i = 1; i < flagStarts.size; i++) {
            int end = Math.min(flagStarts.data[i], MAX_CODEPOINTS);
            Arrays.fill(FLAGS, flagStarts.data[i - 1], end, (short) flagValues.data[i - 1]);
        }
        for (int i = 0; i < white.size; i++) {
            FLAGS[white.data[i]] |= WHITESPACE;
        }
        LOWER_FROM = lowerFrom.toArray();
        LOWER_TO = lowerTo.toArray();
        NFD_FIRST = nfdFirst.toArray();
        NFD_LAST = nfdLast.toArray();
        NFD_TO = nfdTo.toArray();
    }

    private LlamaUnicodeTables() {
    }

    private static int hex(String s) {
        return Integer.parseInt(s, 16);
    }

    /** The flag bits of a code point; code points outside Unicode are "undefined" (0x0001), as in llama.cpp. */
    static int flags(int cp) {
        return cp >= 0 && cp < MAX_CODEPOINTS ? FLAGS[cp] : 0x0001;
    }

    /** unicode_tolower: the table's single lower-case code point, or the code point itself. */
    static int toLower(int cp) {
        int i = Arrays.binarySearch(LOWER_FROM, cp);
        return i >= 0 ? LOWER_TO[i] : cp;
    }

    /** unicode_cpts_normalize_nfd for one code point: the first code point of its decomposition. */
    static int nfdFirst(int cp) {
        int i = Arrays.binarySearch(NFD_FIRST, cp);
        if (i < 0) {
            i = -i - 2; // the last range starting before cp
        }
        return i >= 0 && cp <= NFD_LAST[i] ? NFD_TO[i] : cp;
    }
}
