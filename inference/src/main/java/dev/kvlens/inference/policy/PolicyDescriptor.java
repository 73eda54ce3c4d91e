package dev.kvlens.inference.policy;

import java.util.List;

/**
 * What a policy is, for menus, help and labels.
 *
 * @param id            the name used on the command line ("snapkv")
 * @param displayName   the label on charts; ends in "-like" when the policy follows a
 *                      reconstruction of an unpublished method
 * @param paper         citation, e.g. "SnapKV, arXiv 2404.14469"
 * @param description   one or two sentences: what it keeps and why
 * @param reconstruction true when POLICIES.md tags the method's core as a reconstruction
 * @param simulated     true when the policy only masks entries without freeing memory
 * @param options       the options it accepts, with defaults
 */
public record PolicyDescriptor(String id, String displayName, String paper, String description,
                               boolean reconstruction, boolean simulated, List<PolicyOption> options) {

    public PolicyDescriptor {
        options = List.copyOf(options);
        if (reconstruction && !displayName.endsWith("-like")) {
            throw new IllegalArgumentException(id + ": a reconstructed policy is labelled '-like'");
        }
    }
}
