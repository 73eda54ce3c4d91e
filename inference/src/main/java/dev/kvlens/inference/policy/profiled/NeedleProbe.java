package dev.kvlens.inference.policy.profiled;

/**
 * One needle-in-a-haystack probe as the profiler ran it: the haystack text with a fact inserted,
 * then a question whose answer is the fact's last word. Token spans are exact because each part
 * was tokenised on its own and the ids concatenated.
 *
 * @param text        the whole prompt as text
 * @param tokens      the prompt's token ids (BOS first when the vocabulary adds one)
 * @param needleStart first token of the inserted fact
 * @param needleEnd   one past its last token
 * @param answer      the word the question asks for
 */
public record NeedleProbe(String text, int[] tokens, int needleStart, int needleEnd, String answer) {
}
