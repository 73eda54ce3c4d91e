package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvlens.inference.policy.PolicyDescriptor;
import dev.kvlens.inference.policy.PolicyOption;
import dev.kvlens.inference.policy.PolicyRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code kvlens policies}: whatever the registry holds when the test runs, every field of it. */
class PoliciesCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonListsEveryRegisteredPolicyWithItsOptions() throws Exception {
        CliResult r = Cli.run("policies", "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err());
        assertEquals(1, r.out().strip().lines().count(), "stdout holds exactly one JSON object");
        JsonNode policies = JSON.readTree(r.out()).get("policies");
        List<PolicyDescriptor> registered = PolicyRegistry.descriptors();
        assertEquals(registered.size(), policies.size());
        for (int i = 0; i < registered.size(); i++) {
            PolicyDescriptor d = registered.get(i);
            JsonNode p = policies.get(i);
            assertEquals(d.id(), p.get("id").asText());
            assertEquals(d.displayName(), p.get("display_name").asText());
            assertEquals(d.paper(), p.get("paper").asText());
            assertEquals(d.description(), p.get("description").asText());
            assertEquals(d.simulated(), p.get("simulated").asBoolean());
            assertEquals(d.reconstruction(), p.get("reconstruction").asBoolean());
            if (d.reconstruction()) {
                assertTrue(p.get("display_name").asText().endsWith("-like"), d.id());
            }
            assertEquals(d.options().size(), p.get("options").size(), d.id());
            for (int j = 0; j < d.options().size(); j++) {
                PolicyOption o = d.options().get(j);
                JsonNode jo = p.get("options").get(j);
                assertEquals(o.name(), jo.get("name").asText());
                assertEquals(o.defaultValue(), jo.get("default_value").asText());
                assertEquals(o.description(), jo.get("description").asText());
                assertEquals(o.choices().size(), jo.get("choices").size());
                for (int k = 0; k < o.choices().size(); k++) {
                    assertEquals(o.choices().get(k), jo.get("choices").get(k).asText());
                }
            }
        }
        assertEquals("full", policies.get(0).get("id").asText(), "FullKV comes first, as in POLICIES.md");
    }

    @Test
    void textNamesEveryPolicyPaperAndOptionDefault() {
        CliResult r = Cli.run("policies");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        for (PolicyDescriptor d : PolicyRegistry.descriptors()) {
            String header = d.id() + "  " + d.displayName() + "  (" + d.paper() + ")";
            assertTrue(lines.stream().anyMatch(l -> l.startsWith(header)), "no header line for " + d.id());
            assertTrue(lines.contains("    " + d.description()), d.id());
            assertEquals(d.simulated(), lines.stream().anyMatch(l -> l.startsWith(header) && l.contains("simulated")),
                    d.id() + " is marked simulated exactly when it is");
            for (PolicyOption o : d.options()) {
                assertTrue(lines.stream().anyMatch(l -> l.startsWith("      " + o.name() + "=" + o.defaultValue() + "  ")),
                        d.id() + " option " + o.name());
            }
        }
        assertTrue(lines.contains("    options: none"), "FullKV takes no options");
    }

    @Test
    void takesNoArguments() {
        CliResult r = Cli.run("policies", "snapkv");
        assertEquals(2, r.exitCode());
        assertEquals(1, r.errLines().length, r.err());
        assertFalse(r.err().isBlank());
    }
}
