package dev.kvlens.inference.session.task;

/**
 * One generated task instance with its known answer.
 *
 * @param task         task name ("name-recall", "needle", "passkey")
 * @param prompt       the text the model reads
 * @param answer       what a correct continuation contains
 * @param maxNewTokens tokens a lane may generate for its answer
 * @param depth        where the fact sits in the filler, 0 (start) to 1 (end)
 */
public record TaskPrompt(String task, String prompt, String answer, int maxNewTokens, double depth) {

    /** The text a correct continuation starts with: the answer, after a space unless the prompt ends with one. */
    public String completion() {
        return prompt.isEmpty() || Character.isWhitespace(prompt.charAt(prompt.length() - 1)) ? answer : " " + answer;
    }
}
