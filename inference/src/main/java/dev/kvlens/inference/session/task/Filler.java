package dev.kvlens.inference.session.task;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded filler text: sentences drawn from a small story vocabulary, with one fact placed at a depth. */
public final class Filler {

    /** Public so that the teaching corpus (inference.train) tells its stories in the probes' own sentences. */
    public static final List<String> STORY_SENTENCES = List.of(
            "The sun was warm and the sky was blue.",
            "A little bird sang in the big green tree.",
            "The dog ran around the garden and barked.",
            "They played with a red ball all day.",
            "Mom made a yummy cake for everyone.",
            "The cat slept on the soft bed.",
            "The children laughed and ran to the park.",
            "It started to rain, so they went inside.",
            "Dad read a book about a brave bear.",
            "The flowers were pretty and smelled nice.",
            "A small frog jumped into the pond.",
            "They shared their toys and were happy.");

    private Filler() {
    }

    /** {@code count} sentences with {@code fact} inserted after {@code round(depth * count)} of them. */
    static String around(SplittableRandom random, List<String> sentences, int count, String fact, double depth) {
        if (count < 0 || !(depth >= 0 && depth <= 1)) {
            throw new IllegalArgumentException("filler count must be >= 0 and depth in [0, 1]");
        }
        List<String> parts = new ArrayList<>(count + 1);
        for (int i = 0; i < count; i++) {
            parts.add(sentences.get(random.nextInt(sentences.size())));
        }
        parts.add((int) Math.round(depth * count), fact);
        return String.join(" ", parts);
    }

    static <T> T pick(SplittableRandom random, List<T> from) {
        return from.get(random.nextInt(from.size()));
    }
}
