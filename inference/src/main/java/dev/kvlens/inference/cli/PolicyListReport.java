package dev.kvlens.inference.cli;

import dev.kvlens.inference.policy.PolicyDescriptor;
import java.util.List;

/**
 * What {@code kvlens policies --json} prints: every registered policy's descriptor (id, display name,
 * paper, description, reconstruction and simulated flags, options with defaults and choices).
 *
 * @param policies in the registry's order (that of POLICIES.md)
 */
record PolicyListReport(List<PolicyDescriptor> policies) {
}
