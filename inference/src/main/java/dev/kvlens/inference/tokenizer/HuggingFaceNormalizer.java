package dev.kvlens.inference.tokenizer;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A tokenizer.json normalizer step (Hugging Face tokenizers' normalizers module). */
sealed interface HuggingFaceNormalizer {

    String apply(String text);

    record Sequence(List<HuggingFaceNormalizer> steps) implements HuggingFaceNormalizer {
        @Override
        public String apply(String text) {
            for (HuggingFaceNormalizer n : steps) {
                text = n.apply(text);
            }
            return text;
        }
    }

    /** Prepend: adds the prefix to a non-empty text. */
    record Prepend(String prefix) implements HuggingFaceNormalizer {
        @Override
        public String apply(String text) {
            return text.isEmpty() ? text : prefix + text;
        }
    }

    /** Replace: a literal string or a regex, every occurrence. */
    record Replace(Pattern pattern, String content) implements HuggingFaceNormalizer {
        @Override
        public String apply(String text) {
            return pattern.matcher(text).replaceAll(Matcher.quoteReplacement(content));
        }
    }

    record UnicodeForm(Normalizer.Form form) implements HuggingFaceNormalizer {
        @Override
        public String apply(String text) {
            return Normalizer.normalize(text, form);
        }
    }

    record Lowercase() implements HuggingFaceNormalizer {
        @Override
        public String apply(String text) {
            return text.toLowerCase(Locale.ROOT);
        }
    }

    /** Strip: removes leading and/or trailing whitespace. */
    record Strip(boolean left, boolean right) implements HuggingFaceNormalizer {
        @Override
        public String apply(String text) {
            int s = 0;
            int e = text.length();
            while (left && s < e && Character.isWhitespace(text.charAt(s))) {
                s++;
            }
            while (right && e > s && Character.isWhitespace(text.charAt(e - 1))) {
                e--;
            }
            return text.substring(s, e);
        }
    }
}
