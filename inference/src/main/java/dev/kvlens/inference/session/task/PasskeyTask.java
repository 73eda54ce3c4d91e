package dev.kvlens.inference.session.task;

import java.util.List;
import java.util.SplittableRandom;

/** Passkey retrieval in the format of POLICIES.md 16.2 (KIVI's passkey examples). */
public final class PasskeyTask {

    static final String HEADER = "There is an important info hidden inside a lot of irrelevant text. Find it and"
            + " memorize it. I will quiz you about the important information there.";
    static final String FILLER = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back"
            + " again.";
    static final String QUESTION = "What is the pass key? The pass key is ";

    private PasskeyTask() {
    }

    /**
     * @param fillerLines how many times the filler line is repeated
     * @param depth       where the key line goes among them, 0 to 1
     */
    public static TaskPrompt generate(long seed, int fillerLines, double depth) {
        SplittableRandom random = new SplittableRandom(seed);
        String key = String.valueOf(10000 + random.nextInt(90000)); // a random 5-digit number
        String line = "The pass key is " + key + ". Remember it. " + key + " is the pass key.";
        String body = Filler.around(random, List.of(FILLER), fillerLines, line, depth);
        // Enough tokens for the digits whatever the tokenizer does with them (one per digit at most, plus a space).
        return new TaskPrompt("passkey", HEADER + " " + body + " " + QUESTION, key, key.length() + 2, depth);
    }
}
