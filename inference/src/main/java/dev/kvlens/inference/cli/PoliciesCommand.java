package dev.kvlens.inference.cli;

import dev.kvlens.inference.policy.PolicyDescriptor;
import dev.kvlens.inference.policy.PolicyOption;
import dev.kvlens.inference.policy.PolicyRegistry;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kvlens policies}: every KV-cache policy {@code run} accepts, with its options and paper. */
@Command(name = "policies", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"List the KV-cache policies with their paper, options, defaults and choices.",
                "Names ending in '-like' follow a reconstruction of a method whose details are unpublished;",
                "'simulated' policies only mask entries, so their memory figures are not freed memory."})
final class PoliciesCommand extends Subcommand {

    @Option(names = "--json", description = "Print one JSON object {\"policies\": [...]} instead of the list.")
    boolean json;

    @Override
    int run() {
        List<PolicyDescriptor> policies = PolicyRegistry.descriptors();
        PrintWriter out = out();
        if (json) {
            out.println(Json.write(new PolicyListReport(policies)));
        } else {
            for (PolicyDescriptor d : policies) {
                print(out, d);
            }
        }
        out.flush();
        return 0;
    }

    private static void print(PrintWriter out, PolicyDescriptor d) {
        out.println(d.id() + "  " + d.displayName() + "  (" + d.paper() + ")"
                + (d.simulated() ? "  [simulated: masks entries, frees no memory]" : ""));
        out.println("    " + d.description());
        if (d.options().isEmpty()) {
            out.println("    options: none");
        } else {
            out.println("    options:");
            for (PolicyOption o : d.options()) {
                String choices = o.choices().isEmpty() ? "number" : "one of " + String.join("|", o.choices());
                out.println("      " + o.name() + "=" + o.defaultValue() + "  (" + choices + ")  " + o.description());
            }
        }
        out.println();
    }
}
