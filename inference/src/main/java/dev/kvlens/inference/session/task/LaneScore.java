package dev.kvlens.inference.session.task;

/**
 * How one lane did on one task instance.
 *
 * @param lane      lane index
 * @param lanePolicy the lane's configuration, as text
 * @param output    what the lane generated (free-running, greedy)
 * @param score     1 when the output contains the answer, else 0
 * @param answerNll mean NLL (nats per token) of the answer's tokens, teacher-forced after the prompt
 */
public record LaneScore(int lane, String lanePolicy, String output, double score, double answerNll) {
}
