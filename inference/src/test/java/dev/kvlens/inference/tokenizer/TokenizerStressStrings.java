package dev.kvlens.inference.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Seeded test strings that probe tokenizer edge cases: Unicode of many scripts and categories,
 * whitespace runs, digits, punctuation, contractions, code, special-token texts inside text, very
 * long words, the empty string, and mutations of llama.cpp's own test inputs (.inp files). Never
 * produces a lone surrogate (those cannot cross to llama.cpp as UTF-8 unchanged).
 */
final class TokenizerStressStrings {

    private static final String[] SPECIAL_TEXTS = {"<s>", "</s>", "<unk>", "<|endoftext|>", "<|end|>", "<|user|>",
        "<|assistant|>", "<|system|>", "[CLS]", "[SEP]", "[MASK]", "[PAD]", "[UNK]", "<|im_start|>", "<|im_end|>",
        "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<|fim_prefix|>", "<｜begin▁of▁sentence｜>",
        "<｜end▁of▁sentence｜>", "<｜fim▁hole｜>", "<empty_output>", "<filename>", "<jupyter_code>", "<|padding|>",
        ">>TITLE<<", ">>ABSTRACT<<", "<pad>", "<mask>", "<|placeholder1|>", "<s", "s>", "</", "<|"};
    private static final String[] CONTRACTIONS = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE",
        "'Ve", "'M", "'LL", "'D", "'rE", "'lL", "’s", "’t", "''", "'", "n't", "N'T"};
    private static final String[] WORDS = {"Hello", "world", "the", "The", "THE", "don", "I", "you", "We", "it",
        "cannot", "tokenization", "llama", "Führer", "naïve", "café", "déjà", "straße", "İstanbul", "ǅemal",
        "Ωμέγα", "привет", "Български", "日本語", "中文", "한국어", "ไทย", "עברית", "العربية", "हिन्दी",
        "ქართული", "Ελληνικά", "Cửa", "Việt", "កាន់តែ", "ꙮ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "x", "ab", "a1b2", "_init_", "camelCase",
        "snake_case", "UPPER", "MiXeD", "ĳ", "ﬁ", "Ⅻ", "①", "½", "²", "٣", "๓", "𝟘"};
    private static final String[] CODE = {"def f(x):\n    return x**2\n", "for (int i = 0; i < n; i++) {\n\tsum += a[i];\n}",
        "if x != None and y >= 3:", "#include <stdio.h>\nint main(){printf(\"%d\\n\", 42);}", "a->b::c", "x=>x+1",
        "std::vector<int> v{1,2,3};", "<div class=\"x\">&nbsp;</div>", "SELECT * FROM t WHERE id=1;",
        "    \"\"\"docstring\"\"\"", "$ ls -la | grep '^d'", "λx.x", "{\"key\": [1, 2.5e-3, null]}",
        "    if (a) {\n        b();\n    }\n", "x += 1 # comment", "```python\nprint('hi')\n```", "a\\tb\\n", "0x1F && ~y"};
    private static final String[] PUNCT = {"!", "?", ".", ",", ";", ":", "...", "!!!", "?!", "--", "—", "–", "(", ")",
        "[", "]", "{", "}", "<", ">", "\"", "'", "`", "~", "@", "#", "$", "%", "^", "&", "*", "_", "+", "=", "|",
        "\\", "/", "«", "»", "“", "”", "‘", "’", "„", "…", "。", "、", "，", "！", "？", "：", "；", "（", "）",
        "「", "」", "《", "》", "¿", "¡", "§", "¶", "•", "†", "‰", "€", "£", "¥", "₹", "©", "®", "™", "°", "±", "×",
        "÷", "≠", "≤", "→", "⇒", "∀", "∑", "√", "∞"};
    private static final String[] WHITESPACE = {" ", "  ", "   ", "    ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r",
        " \n", "\n ", " \t ", "\u00A0", "\u2009", "\u3000", "\u2028", "\u0085", "\u000B", "\u000C", "\u200B",
        "\u1680", "\u202F", "\u205F"};
    private static final String[] ODD = {"\u0301", "\u0308", "e\u0301", "a\u030A", "\u200D", "\u200C", "\u200E",
        "\u200F", "\u202E", "\uFEFF", "\u00AD", "\u0000", "\u0001", "\u001B", "\u007F", "\u0080", "\u009F",
        "\uFFFD", "\uFFFF", "\uE000", "\uDB80\uDC00", "\uDBFF\uDFFD", "😀", "👍🏽", "👨‍👩‍👧", "🇩🇪", "🦙", "😶‍🌫️",
        "❤️", "✅", "🚀", "𝕏", "𠀀", "𪚥", "\uD83E\uDD72", "\uD83E\uDEE0", "\uD83E\uDEF8", "ᐃ", "ꦲ", "𓀀", "𐍈",
        "\u0D4E", "\u0E33", "\u0F0C", "\u10FC", "\u1C89", "\u1E9E", "\u2E5D", "\u31EF", "\u9FFF", "\uA7CB",
        "\uAB69", "\u0870", "\u0897", "\u1ACE", "\u1DFA", "\u2C2F", "\u2E5E", "\u10EFD", "\u11F00",
        "\uD804\uDC00", "\uD81B\uDF00", "\uD83C\uDFFB", "\uD83F\uDFFE", "\uD82B\uDFF0", "\uD838\uDCD0"};
    private static final int[][] RANGES = {{0x20, 0x7E}, {0xA0, 0x24F}, {0x300, 0x36F}, {0x370, 0x52F},
        {0x590, 0x6FF}, {0x900, 0xDFF}, {0xE00, 0xEFF}, {0x1000, 0x10FF}, {0x1100, 0x11FF}, {0x1780, 0x17FF},
        {0x1E00, 0x1FFF}, {0x2000, 0x2BFF}, {0x2C00, 0x2E7F}, {0x3000, 0x30FF}, {0x3400, 0x4DBF},
        {0x4E00, 0x9FFF}, {0xA000, 0xABFF}, {0xAC00, 0xD7A3}, {0xF900, 0xFFFD}, {0x10000, 0x1FFFF},
        {0x1F300, 0x1FAFF}, {0x20000, 0x2FA1F}, {0x30000, 0x3347F}, {0xE0000, 0xE01EF}, {0x0, 0x1F}};

    private final SplittableRandom random;
    private final List<String> seeds;

    TokenizerStressStrings(long seed, Path vocabFolder) throws IOException {
        this.random = new SplittableRandom(seed);
        this.seeds = new ArrayList<>();
        try (Stream<Path> files = Files.list(vocabFolder)) {
            for (Path inp : files.filter(p -> p.toString().endsWith(".inp")).sorted().toList()) {
                seeds.addAll(GgufVocabularyVectorsTest.inputs(inp));
            }
        }
    }

    /** {@code count} strings: a fixed head of hand-picked edge cases, then random ones. */
    List<String> generate(int count) {
        List<String> out = new ArrayList<>(fixedCases());
        while (out.size() < count) {
            out.add(next());
        }
        return out.subList(0, Math.min(count, out.size()));
    }

    private List<String> fixedCases() {
        List<String> out = new ArrayList<>(List.of("", " ", "  ", "\n", "\r\n", "\t", " \n ", "a", "A", " a", "a ",
                "<s>", "</s>", "<s><s>", " <s> ", "<s>hi</s>", "hi <s> there", "<|endoftext|>", " <|endoftext|> x",
                "[CLS] x [SEP]", "x\n\n\n\ny", "x \n \n y", "   leading", "trailing   ", "\u00A0x\u00A0",
                "don't", "DON'T", "I'm", "we'LL", "it's", "they'Re", "'s", "'", "''s", "x'sy", "1", "12", "123",
                "1234", "12345", "123456", "1234567", "3.14159", "1,000,000", "0000", "٣٤٥", "१२३", "1st", "2nd"));
        for (String w : ODD) {
            out.add(w);
            out.add(" " + w + " ");
            out.add("a" + w + "b");
        }
        for (String s : SPECIAL_TEXTS) {
            out.add(s);
            out.add("x" + s + "y");
            out.add(" " + s + "  z");
        }
        return out;
    }

    private String next() {
        return switch (random.nextInt(12)) {
            case 0, 1 -> mutate(pick(seeds));
            case 2 -> randomCodepoints(1 + random.nextInt(24));
            case 3 -> {
                StringBuilder sb = new StringBuilder();
                int n = 1 + random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    sb.append(pick(WHITESPACE));
                }
                yield sb.toString() + (random.nextBoolean() ? pick(WORDS) + pick(WHITESPACE) : "");
            }
            case 4 -> {
                StringBuilder sb = new StringBuilder();
                int n = 1 + random.nextInt(30);
                for (int i = 0; i < n; i++) {
                    sb.append((char) ('0' + random.nextInt(10)));
                }
                yield random.nextBoolean() ? sb.toString() : pick(WORDS) + " " + sb + pick(PUNCT);
            }
            case 5 -> {
                StringBuilder sb = new StringBuilder();
                int n = 1 + random.nextInt(8);
                for (int i = 0; i < n; i++) {
                    sb.append(pick(PUNCT));
                    if (random.nextInt(4) == 0) {
                        sb.append(' ');
                    }
                }
                yield sb.toString();
            }
            case 6 -> pick(WORDS) + pick(CONTRACTIONS) + (random.nextBoolean() ? " " + pick(WORDS) : pick(CONTRACTIONS));
            case 7 -> pick(CODE);
            case 8 -> {
                StringBuilder sb = new StringBuilder();
                int n = 1 + random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    sb.append(pick(WORDS)).append(random.nextBoolean() ? pick(SPECIAL_TEXTS) : pick(WHITESPACE));
                }
                yield sb.toString();
            }
            case 9 -> {
                String w = pick(WORDS);
                int n = 20 + random.nextInt(300);
                yield (random.nextBoolean() ? " " : "") + w.repeat(Math.max(1, n / w.length()));
            }
            case 10 -> {
                StringBuilder sb = new StringBuilder();
                int n = 2 + random.nextInt(10);
                for (int i = 0; i < n; i++) {
                    String[] pool = switch (random.nextInt(6)) {
                        case 0 -> WORDS;
                        case 1 -> PUNCT;
                        case 2 -> WHITESPACE;
                        case 3 -> ODD;
                        case 4 -> CONTRACTIONS;
                        default -> SPECIAL_TEXTS;
                    };
                    sb.append(pick(pool));
                    if (random.nextBoolean()) {
                        sb.append(' ');
                    }
                }
                yield sb.toString();
            }
            default -> mutate(pick(seeds) + pick(seeds));
        };
    }

    private String mutate(String s) {
        StringBuilder sb = new StringBuilder(s);
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = codepointBoundary(sb, random.nextInt(sb.length() + 1));
            switch (random.nextInt(7)) {
                case 0 -> sb.insert(at, randomCodepoints(1 + random.nextInt(3)));
                case 1 -> sb.insert(at, pick(WHITESPACE));
                case 2 -> sb.insert(at, pick(SPECIAL_TEXTS));
                case 3 -> sb.insert(at, pick(ODD));
                case 4 -> {
                    int end = codepointBoundary(sb, Math.min(sb.length(), at + random.nextInt(6)));
                    sb.delete(at, Math.max(at, end));
                }
                case 5 -> {
                    String t = sb.toString();
                    sb.setLength(0);
                    sb.append(random.nextBoolean() ? t.toUpperCase(java.util.Locale.ROOT) : t.toLowerCase(java.util.Locale.ROOT));
                }
                default -> sb.insert(at, pick(PUNCT));
            }
        }
        return sb.toString();
    }

    /** Moves an index off the middle of a surrogate pair. */
    private static int codepointBoundary(CharSequence s, int i) {
        if (i > 0 && i < s.length() && Character.isLowSurrogate(s.charAt(i)) && Character.isHighSurrogate(s.charAt(i - 1))) {
            return i - 1;
        }
        return i;
    }

    private String randomCodepoints(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int[] r = RANGES[random.nextInt(RANGES.length)];
            int cp = r[0] + random.nextInt(r[1] - r[0] + 1);
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 'x';
            }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    private String pick(String[] pool) {
        return pool[random.nextInt(pool.length)];
    }

    private String pick(List<String> pool) {
        return pool.get(random.nextInt(pool.size()));
    }
}
