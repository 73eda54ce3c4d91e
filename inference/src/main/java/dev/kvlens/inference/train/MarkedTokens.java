package dev.kvlens.inference.train;

/**
 * Token ids with the ones that belong to an answer marked: the tokens a model can only produce by
 * retrieving something stated earlier, whose loss the trainer may weigh more
 * ({@link TrainingSettings#answerWeight()}). For a training window, {@code answers[i]} marks
 * {@code ids[i]} as a target.
 */
public record MarkedTokens(int[] ids, boolean[] answers) {

    public MarkedTokens {
        if (ids.length != answers.length) {
            throw new IllegalArgumentException(ids.length + " ids but " + answers.length + " answer marks");
        }
    }

    /** Ids with no answer marked. */
    public static MarkedTokens unmarked(int... ids) {
        return new MarkedTokens(ids, new boolean[ids.length]);
    }

    public int length() {
        return ids.length;
    }
}
