package dev.kvlens.inference.policy.profiled;

import dev.kvlens.inference.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Makes profiling probes from ordinary text the program writes itself: TinyStories-like sentences
 * drawn from small word lists with a seeded generator, a fact ("The secret word is apple.") inserted
 * at a chosen depth, and a question that the fact answers. Nothing is read from outside.
 */
public final class NeedleProbes {

    private static final String[] NAMES = {"Lily", "Tom", "Sue", "Ben", "Mia", "Max", "Anna", "Sam"};
    private static final String[] ANIMALS = {"dog", "cat", "bird", "frog", "bunny", "duck", "fish", "bear"};
    private static final String[] THINGS = {"ball", "box", "kite", "toy", "book", "hat", "cake", "car"};
    private static final String[] PLACES = {"park", "garden", "house", "forest", "school", "beach"};
    private static final String[] ADJECTIVES = {"big", "little", "red", "happy", "shiny", "soft", "funny", "blue"};
    private static final String[] VERBS = {"saw", "found", "liked", "wanted", "had", "made"};
    private static final String[] SECRETS = {"apple", "moon", "star", "tree", "sun", "milk", "rain", "bell"};

    private NeedleProbes() {
    }

    /** One TinyStories-like sentence. */
    static String sentence(Random r) {
        String name = pick(r, NAMES);
        return switch (r.nextInt(4)) {
            case 0 -> "Once upon a time, " + name + " " + pick(r, VERBS) + " a " + pick(r, ADJECTIVES) + " "
                    + pick(r, ANIMALS) + ".";
            case 1 -> name + " went to the " + pick(r, PLACES) + " with a " + pick(r, ADJECTIVES) + " "
                    + pick(r, THINGS) + ".";
            case 2 -> "The " + pick(r, ANIMALS) + " was very " + pick(r, ADJECTIVES) + ".";
            default -> name + " and the " + pick(r, ANIMALS) + " played with the " + pick(r, THINGS) + ".";
        };
    }

    /** Ordinary text of {@code sentences} sentences, for calibration (perplexity, statistics). */
    public static String story(long seed, int sentences) {
        Random r = new Random(seed);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < sentences; i++) {
            b.append(i == 0 ? "" : " ").append(sentence(r));
        }
        return b.toString();
    }

    /**
     * {@code count} probes of about {@code sentences} haystack sentences, the fact inserted at depths
     * spread evenly over 0..100 % (POLICIES.md 16.1's linear depths).
     */
    public static List<NeedleProbe> make(Tokenizer tokenizer, long seed, int count, int sentences) {
        if (count < 1 || sentences < 1) {
            throw new IllegalArgumentException("need at least one probe of one sentence, got " + count + " x " + sentences);
        }
        Random r = new Random(seed);
        List<NeedleProbe> probes = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            String secret = pick(r, SECRETS);
            int depth = count == 1 ? sentences / 2 : Math.round((float) p * sentences / (count - 1));
            List<String> before = new ArrayList<>();
            List<String> after = new ArrayList<>();
            for (int s = 0; s < sentences; s++) {
                (s < depth ? before : after).add(sentence(r));
            }
            String needle = "The secret word is " + secret + ".";
            String question = "What is the secret word? The secret word is";
            List<String> parts = new ArrayList<>();
            if (!before.isEmpty()) {
                parts.add(String.join(" ", before));
            }
            int needleIndex = parts.size();
            parts.add(needle);
            if (!after.isEmpty()) {
                parts.add(String.join(" ", after));
            }
            parts.add(question);
            int[] tokens = new int[0];
            int needleStart = 0;
            int needleEnd = 0;
            for (int i = 0; i < parts.size(); i++) {
                int[] ids = tokenizer.encode(parts.get(i), i == 0, false);
                if (i == needleIndex) {
                    needleStart = tokens.length;
                    needleEnd = tokens.length + ids.length;
                }
                int old = tokens.length;
                tokens = Arrays.copyOf(tokens, old + ids.length);
                System.arraycopy(ids, 0, tokens, old, ids.length);
            }
            probes.add(new NeedleProbe(String.join(" ", parts), tokens, needleStart, needleEnd, secret));
        }
        return probes;
    }

    private static String pick(Random r, String[] words) {
        return words[r.nextInt(words.length)];
    }
}
