package dev.kvlens.inference.session.event;

/**
 * Entries each (layer, KV head) of a lane holds after a compression: {@code entries[layer][kvHead]}.
 *
 * @param lane    lane index
 * @param step    position when the plan took effect
 * @param entries entries held per layer and KV head
 */
public record BudgetPlan(int lane, int step, int[][] entries) implements SessionEvent {
}
