package dev.kvlens.inference.session.task;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A character is introduced at the start of a story, filler follows, and the end asks for the
 * character's name: a lane that evicted the introduction loses the name.
 */
public final class NameRecallTask {

    static final List<String> NAMES = List.of("Lily", "Tom", "Ben", "Mia", "Sue", "Tim", "Anna", "Sam", "Zoe",
            "Max", "Jack", "Lucy");

    private NameRecallTask() {
    }

    /** {@code fillerSentences} story sentences after the introduction. */
    public static TaskPrompt generate(long seed, int fillerSentences) {
        SplittableRandom random = new SplittableRandom(seed);
        String name = Filler.pick(random, NAMES);
        String intro = "Once upon a time, there was a little girl named " + name + ".";
        String story = Filler.around(random, Filler.STORY_SENTENCES, fillerSentences, intro, 0.0);
        String prompt = story + " At the end of the day, the little girl said her name. Her name was";
        return new TaskPrompt("name-recall", prompt, name, 4, 0.0);
    }
}
