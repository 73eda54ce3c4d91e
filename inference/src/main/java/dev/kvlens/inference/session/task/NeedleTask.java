package dev.kvlens.inference.session.task;

import java.util.List;
import java.util.SplittableRandom;

/** Needle in a haystack: one fact placed at a chosen depth of filler text, asked for at the end. */
public final class NeedleTask {

    static final List<String> WORDS = List.of("apple", "rocket", "purple", "banana", "castle", "pirate", "garden",
            "dragon", "cookie", "rainbow");

    private NeedleTask() {
    }

    /**
     * @param depth where the fact goes: 0 before all filler, 1 after it
     */
    public static TaskPrompt generate(long seed, int fillerSentences, double depth) {
        SplittableRandom random = new SplittableRandom(seed);
        String word = Filler.pick(random, WORDS);
        String fact = "The magic word is " + word + ".";
        String text = Filler.around(random, Filler.STORY_SENTENCES, fillerSentences, fact, depth);
        return new TaskPrompt("needle", text + " What is the magic word? The magic word is", word, 4, depth);
    }
}
