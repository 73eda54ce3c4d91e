package dev.kvlens.inference.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * llama.cpp's pre-tokenizer ({@code unicode_regex_split}): a list of regexes applied one after
 * the other, each splitting every piece left by the previous one into matches and the gaps
 * between them. Reproduces llama.cpp's engine rather than Unicode regex semantics:
 * <ul>
 * <li>the GPT-2 and Llama-3 expressions run as the hand-written scanners llama.cpp uses;</li>
 * <li>expressions with {@code \p{L}/\p{N}/\p{P}} run on a "collapsed" text where each non-ASCII
 *     code point becomes one placeholder for its category (whitespace becomes U+000B), with the
 *     categories rewritten to those placeholders, exactly like llama.cpp's std::regex path;</li>
 * <li>other expressions run on the code points with non-ASCII whitespace replaced by U+000B.</li>
 * </ul>
 * Each piece is matched on its own (regions with opaque bounds), so look-ahead and {@code $}
 * stop at the piece's end as they do with llama.cpp's per-piece std::regex iterators.
 */
final class LlamaRegexSplitter {

    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    private static final String LLAMA3_ORIGINAL =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String LLAMA3 =
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final char NUMBER = '\u00D1';
    private static final char LETTER = '\u00D2';
    private static final char PUNCTUATION = '\u00D3';
    private static final char OTHER = '\u00D0';

    private enum Kind { GPT2_SCANNER, LLAMA3_SCANNER, COLLAPSED, CODEPOINTS }

    private record Step(Kind kind, Pattern pattern) {
    }

    private final List<Step> steps = new ArrayList<>();
    private final boolean needCollapse;

    /** @throws IllegalArgumentException when an expression cannot be used (with the reason) */
    LlamaRegexSplitter(List<String> expressions) {
        boolean collapse = false;
        for (String expr : expressions) {
            if (expr.equals(GPT2)) {
                steps.add(new Step(Kind.GPT2_SCANNER, null));
            } else if (expr.equals(LLAMA3) || expr.equals(LLAMA3_ORIGINAL)) {
                steps.add(new Step(Kind.LLAMA3_SCANNER, null));
            } else if (usesCategories(expr)) {
                collapse = true;
                steps.add(new Step(Kind.COLLAPSED, Pattern.compile(collapseRegex(expr))));
            } else {
                steps.add(new Step(Kind.CODEPOINTS, Pattern.compile(expr)));
            }
        }
        this.needCollapse = collapse;
    }

    private static boolean usesCategories(String expr) {
        return expr.contains("\\p{N}") || expr.contains("\\p{L}") || expr.contains("\\p{P}");
    }

    private static String collapseRegex(String expr) {
        for (int i = 0; i < expr.length(); i++) {
            if (expr.charAt(i) >= 128) {
                throw new IllegalArgumentException("regex mixes unicode categories and non-ASCII characters: " + expr);
            }
        }
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (c == '[' && (i == 0 || expr.charAt(i - 1) != '\\')) {
                out.append('[');
                inside = true;
                continue;
            }
            if (inside && c == ']' && expr.charAt(i - 1) != '\\') {
                out.append(']');
                inside = false;
                continue;
            }
            if (c == '\\' && i + 4 < expr.length() && expr.charAt(i + 1) == 'p' && expr.charAt(i + 2) == '{'
                    && expr.charAt(i + 4) == '}') {
                String members = switch (expr.charAt(i + 3)) {
                    case 'N' -> NUMBER + "0-9";
                    case 'L' -> LETTER + "A-Za-z";
                    case 'P' -> PUNCTUATION + "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}";
                    default -> null;
                };
                if (members != null) {
                    out.append(inside ? members : "[" + members + "]");
                    i += 4;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    /** Splits text into pre-tokenizer words (as code point strings, not yet byte-encoded). */
    List<String> split(String text) {
        int[] cpts = text.codePoints().toArray();
        IntList offsets = new IntList();
        if (cpts.length > 0) {
            offsets.add(cpts.length);
        }
        String collapsed = needCollapse ? collapse(cpts) : null;
        for (Step step : steps) {
            offsets = switch (step.kind) {
                case GPT2_SCANNER -> scanGpt2(cpts, offsets);
                case LLAMA3_SCANNER -> scanLlama3(cpts, offsets);
                case COLLAPSED -> regexSplit(collapsed, null, step.pattern, offsets);
                case CODEPOINTS -> regexSplitCodepoints(cpts, step.pattern, offsets);
            };
        }
        List<String> words = new ArrayList<>(offsets.size);
        int start = 0;
        for (int i = 0; i < offsets.size; i++) {
            int len = offsets.data[i];
            words.add(new String(cpts, start, len));
            start += len;
        }
        return words;
    }

    private static String collapse(int[] cpts) {
        char[] out = new char[cpts.length];
        for (int i = 0; i < cpts.length; i++) {
            int cp = cpts[i];
            if (cp < 128) {
                out[i] = (char) cp;
            } else if (CodepointFlags.isWhitespace(cp)) {
                out[i] = '\u000B';
            } else if (CodepointFlags.isNumber(cp)) {
                out[i] = NUMBER;
            } else if (CodepointFlags.isLetter(cp)) {
                out[i] = LETTER;
            } else if (CodepointFlags.isPunctuation(cp)) {
                out[i] = PUNCTUATION;
            } else {
                out[i] = OTHER;
            }
        }
        return new String(out);
    }

    private static IntList regexSplitCodepoints(int[] cpts, Pattern pattern, IntList offsets) {
        StringBuilder sb = new StringBuilder(cpts.length);
        int[] cpOfChar = new int[cpts.length * 2 + 1];
        int[] charOfCp = new int[cpts.length + 1];
        for (int i = 0; i < cpts.length; i++) {
            int cp = cpts[i] > 0x7F && CodepointFlags.isWhitespace(cpts[i]) ? 0x0B : cpts[i];
            charOfCp[i] = sb.length();
            cpOfChar[sb.length()] = i;
            sb.appendCodePoint(cp);
        }
        charOfCp[cpts.length] = sb.length();
        cpOfChar[sb.length()] = cpts.length;
        return regexSplit(sb.toString(), new int[][] {charOfCp, cpOfChar}, pattern, offsets);
    }

    /** One regex over every piece; maps = null when chars and code points coincide. */
    private static IntList regexSplit(String text, int[][] maps, Pattern pattern, IntList offsets) {
        IntList out = new IntList();
        Matcher m = pattern.matcher(text);
        int startCp = 0;
        for (int k = 0; k < offsets.size; k++) {
            int endCp = startCp + offsets.data[k];
            int from = maps == null ? startCp : maps[0][startCp];
            int to = maps == null ? endCp : maps[0][endCp];
            m.region(from, to);
            int prev = from;
            while (m.find()) {
                if (m.end() == m.start()) {
                    continue; // an empty match adds no piece
                }
                if (m.start() > prev) {
                    out.add(cpLen(maps, prev, m.start()));
                }
                out.add(cpLen(maps, m.start(), m.end()));
                prev = m.end();
            }
            if (prev < to) {
                out.add(cpLen(maps, prev, to));
            }
            startCp = endCp;
        }
        return out;
    }

    private static int cpLen(int[][] maps, int fromChar, int toChar) {
        return maps == null ? toChar - fromChar : maps[1][toChar] - maps[1][fromChar];
    }

    /** Port of llama.cpp's unicode_regex_split_custom_gpt2 (which also acts as a trailing {@code \s+}). */
    private static IntList scanGpt2(int[] cpts, IntList offsets) {
        IntList out = new IntList();
        int start = 0;
        for (int k = 0; k < offsets.size; k++) {
            final int ini = start;
            final int end = start + offsets.data[k];
            start = end;
            Scan s = new Scan(cpts, ini, end, out);
            int pos = ini;
            while (pos < end) {
                int cpt = s.cpt(pos);
                if (cpt == '\'' && pos + 1 < end) {
                    int next = s.cpt(pos + 1);
                    if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                        pos += s.add(pos + 2);
                        continue;
                    }
                    if (pos + 2 < end) {
                        int next2 = s.cpt(pos + 2);
                        if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l')) {
                            pos += s.add(pos + 3);
                            continue;
                        }
                    }
                }
                int p2 = cpt == ' ' ? pos + 1 : pos;
                if (s.letter(p2)) {
                    pos = p2;
                    while (s.letter(pos)) {
                        pos++;
                    }
                    s.add(pos);
                    continue;
                }
                if (s.number(p2)) {
                    pos = p2;
                    while (s.number(pos)) {
                        pos++;
                    }
                    s.add(pos);
                    continue;
                }
                if (s.other(p2)) {
                    pos = p2;
                    while (s.other(pos)) {
                        pos++;
                    }
                    s.add(pos);
                    continue;
                }
                int ws = 0;
                while (s.space(pos + ws)) {
                    ws++;
                }
                if (ws > 1 && pos + ws < end) {
                    pos += ws - 1;
                    s.add(pos);
                    continue;
                }
                if (ws > 0) {
                    pos += ws;
                    s.add(pos);
                    continue;
                }
                s.add(++pos);
            }
        }
        return out;
    }

    /** Port of llama.cpp's unicode_regex_split_custom_llama3. */
    private static IntList scanLlama3(int[] cpts, IntList offsets) {
        IntList out = new IntList();
        int start = 0;
        for (int k = 0; k < offsets.size; k++) {
            final int ini = start;
            final int end = start + offsets.data[k];
            start = end;
            Scan s = new Scan(cpts, ini, end, out);
            int pos = ini;
            while (pos < end) {
                int cpt = s.cpt(pos);
                if (cpt == '\'' && pos + 1 < end) {
                    int next = CodepointFlags.toLower(s.cpt(pos + 1));
                    if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                        pos += s.add(pos + 2);
                        continue;
                    }
                    if (pos + 2 < end) {
                        int next2 = CodepointFlags.toLower(s.cpt(pos + 2));
                        if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l')) {
                            pos += s.add(pos + 3);
                            continue;
                        }
                    }
                }
                if (!(cpt == '\r' || cpt == '\n' || s.number(pos))) {
                    if (s.letter(pos) || s.letter(pos + 1)) {
                        pos++;
                        while (s.letter(pos)) {
                            pos++;
                        }
                        s.add(pos);
                        continue;
                    }
                }
                if (s.number(pos)) {
                    int first = pos;
                    while (s.number(pos)) {
                        if (++pos - first >= 3) {
                            s.add(pos);
                            first = pos;
                        }
                    }
                    s.add(pos);
                    continue;
                }
                int p2 = cpt == ' ' ? pos + 1 : pos;
                // llama.cpp tests "in range" on the current position here, not on p2
                if (s.otherWithRangeOf(p2, pos)) {
                    pos = p2;
                    while (s.other(pos)) {
                        pos++;
                    }
                    int c2 = s.cpt(pos);
                    while (c2 == '\r' || c2 == '\n') {
                        c2 = s.cpt(++pos);
                    }
                    s.add(pos);
                    continue;
                }
                int ws = 0;
                int lastEndRn = 0;
                while (s.space(pos + ws)) {
                    int c2 = s.cpt(pos + ws);
                    if (c2 == '\r' || c2 == '\n') {
                        lastEndRn = pos + ws + 1;
                    }
                    ws++;
                }
                if (lastEndRn > 0) {
                    pos = lastEndRn;
                    s.add(pos);
                    continue;
                }
                if (ws > 1 && pos + ws < end) {
                    pos += ws - 1;
                    s.add(pos);
                    continue;
                }
                if (ws > 0) {
                    pos += ws;
                    s.add(pos);
                    continue;
                }
                s.add(++pos);
            }
        }
        return out;
    }

    /** The state of one piece in a scanner: positions outside [ini, end) have no flags. */
    private static final class Scan {
        private final int[] cpts;
        private final int ini;
        private final int end;
        private final IntList out;
        private int prevEnd;

        Scan(int[] cpts, int ini, int end, IntList out) {
            this.cpts = cpts;
            this.ini = ini;
            this.end = end;
            this.out = out;
            this.prevEnd = ini;
        }

        boolean in(int pos) {
            return pos >= ini && pos < end;
        }

        int cpt(int pos) {
            return in(pos) ? cpts[pos] : -1;
        }

        boolean letter(int pos) {
            return in(pos) && CodepointFlags.isLetter(cpts[pos]);
        }

        boolean number(int pos) {
            return in(pos) && CodepointFlags.isNumber(cpts[pos]);
        }

        boolean space(int pos) {
            return in(pos) && CodepointFlags.isWhitespace(cpts[pos]);
        }

        /** [^\s\p{L}\p{N}] and inside the piece. */
        boolean other(int pos) {
            return otherWithRangeOf(pos, pos);
        }

        boolean otherWithRangeOf(int pos, int rangePos) {
            if (!in(rangePos)) {
                return false;
            }
            if (!in(pos)) {
                return true; // no flags at pos: not space/letter/number, and rangePos is in range
            }
            int cp = cpts[pos];
            return !(CodepointFlags.isWhitespace(cp) || CodepointFlags.isLetter(cp) || CodepointFlags.isNumber(cp));
        }

        int add(int endPos) {
            int len = endPos - prevEnd;
            if (len > 0) {
                out.add(len);
            }
            prevEnd = endPos;
            return len;
        }
    }
}
