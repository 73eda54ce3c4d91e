package dev.kvlens.inference.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A tokenizer.json pre-tokenizer step: splits every current piece into smaller pieces. */
sealed interface HuggingFacePreTokenizer {

    /** GPT-2's pattern with Unicode classes, as Hugging Face's ByteLevel uses it (via the onig engine). */
    Pattern GPT2 = Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    List<String> apply(List<String> pieces);

    /** True when the pieces come out mapped to GPT-2's byte characters. */
    default boolean byteLevel() {
        return false;
    }

    record Sequence(List<HuggingFacePreTokenizer> steps) implements HuggingFacePreTokenizer {
        @Override
        public List<String> apply(List<String> pieces) {
            for (HuggingFacePreTokenizer p : steps) {
                pieces = p.apply(pieces);
            }
            return pieces;
        }

        @Override
        public boolean byteLevel() {
            return steps.stream().anyMatch(HuggingFacePreTokenizer::byteLevel);
        }
    }

    record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements HuggingFacePreTokenizer {
        @Override
        public List<String> apply(List<String> pieces) {
            List<String> out = new ArrayList<>();
            for (String p : pieces) {
                String t = addPrefixSpace && !p.startsWith(" ") ? " " + p : p;
                List<String> parts = useRegex ? split(t, GPT2, Behavior.ISOLATED) : List.of(t);
                for (String part : parts) {
                    out.add(ByteUnicodeMap.encode(part));
                }
            }
            return out;
        }

        @Override
        public boolean byteLevel() {
            return true;
        }
    }

    /** Metaspace: spaces become the replacement character, optionally prepended, optionally split before it. */
    record Metaspace(String replacement, String prependScheme, boolean split) implements HuggingFacePreTokenizer {
        @Override
        public List<String> apply(List<String> pieces) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < pieces.size(); i++) {
                String t = pieces.get(i).replace(" ", replacement);
                boolean prepend = prependScheme.equals("always") || (prependScheme.equals("first") && i == 0);
                if (prepend && !t.startsWith(replacement)) {
                    t = replacement + t;
                }
                out.addAll(split ? HuggingFacePreTokenizer.split(t, Pattern.compile(Pattern.quote(replacement)), Behavior.MERGED_WITH_NEXT) : List.of(t));
            }
            return out;
        }
    }

    record Split(Pattern pattern, Behavior behavior) implements HuggingFacePreTokenizer {
        @Override
        public List<String> apply(List<String> pieces) {
            List<String> out = new ArrayList<>();
            for (String p : pieces) {
                out.addAll(split(p, pattern, behavior));
            }
            return out;
        }
    }

    /** Digits: every digit run (or every single digit) becomes its own piece. */
    record Digits(boolean individual) implements HuggingFacePreTokenizer {
        @Override
        public List<String> apply(List<String> pieces) {
            Pattern p = Pattern.compile(individual ? "\\p{Nd}" : "\\p{Nd}+");
            List<String> out = new ArrayList<>();
            for (String s : pieces) {
                out.addAll(split(s, p, Behavior.ISOLATED));
            }
            return out;
        }
    }

    /** WhitespaceSplit: split on whitespace, dropping it. */
    record WhitespaceSplit() implements HuggingFacePreTokenizer {
        @Override
        public List<String> apply(List<String> pieces) {
            List<String> out = new ArrayList<>();
            for (String s : pieces) {
                out.addAll(split(s, Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS), Behavior.REMOVED));
            }
            return out;
        }
    }

    enum Behavior { ISOLATED, REMOVED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    /** Hugging Face's split by pattern with a delimiter behaviour; empty pieces are dropped. */
    static List<String> split(String text, Pattern pattern, Behavior behavior) {
        List<int[]> spans = new ArrayList<>(); // [start, end, isMatch]
        Matcher m = pattern.matcher(text);
        int prev = 0;
        while (m.find()) {
            if (m.end() == m.start()) {
                continue;
            }
            if (m.start() > prev) {
                spans.add(new int[] {prev, m.start(), 0});
            }
            spans.add(new int[] {m.start(), m.end(), 1});
            prev = m.end();
        }
        if (prev < text.length()) {
            spans.add(new int[] {prev, text.length(), 0});
        }
        List<String> out = new ArrayList<>();
        switch (behavior) {
            case ISOLATED -> spans.forEach(s -> out.add(text.substring(s[0], s[1])));
            case REMOVED -> spans.stream().filter(s -> s[2] == 0).forEach(s -> out.add(text.substring(s[0], s[1])));
            case MERGED_WITH_PREVIOUS -> {
                StringBuilder cur = new StringBuilder();
                for (int[] s : spans) {
                    cur.append(text, s[0], s[1]);
                    if (s[2] == 1) {
                        out.add(cur.toString());
                        cur.setLength(0);
                    }
                }
                if (!cur.isEmpty()) {
                    out.add(cur.toString());
                }
            }
            case MERGED_WITH_NEXT -> {
                StringBuilder cur = new StringBuilder();
                for (int[] s : spans) {
                    if (s[2] == 1 && !cur.isEmpty()) {
                        out.add(cur.toString());
                        cur.setLength(0);
                    }
                    cur.append(text, s[0], s[1]);
                }
                if (!cur.isEmpty()) {
                    out.add(cur.toString());
                }
            }
            case CONTIGUOUS -> {
                StringBuilder cur = new StringBuilder();
                int kind = -1;
                for (int[] s : spans) {
                    if (s[2] == 1 && kind == 1) {
                        cur.append(text, s[0], s[1]);
                        continue;
                    }
                    if (!cur.isEmpty()) {
                        out.add(cur.toString());
                        cur.setLength(0);
                    }
                    cur.append(text, s[0], s[1]);
                    kind = s[2];
                }
                if (!cur.isEmpty()) {
                    out.add(cur.toString());
                }
            }
        }
        return out;
    }
}
