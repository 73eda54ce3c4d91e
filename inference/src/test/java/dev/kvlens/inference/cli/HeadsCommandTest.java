package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class HeadsCommandTest {

    @Test
    void ranksHeadsByAttentionOnTheFact() throws Exception {
        CliResult r = Cli.run("heads", "--model", Cli.STORIES.toString(), "--task", "name-recall", "--samples", "2",
                "--filler", "4", "--top", "5", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode rows = new ObjectMapper().readTree(r.out());
        assertEquals(5, rows.size());
        double previous = Double.MAX_VALUE;
        for (JsonNode row : rows) {
            int layer = row.get("layer").asInt();
            int head = row.get("head").asInt();
            assertTrue(layer >= 0 && layer < 5 && head >= 0 && head < 8, row.toString()); // stories260K: 5 x 8
            double mass = row.get("fact_mass").asDouble();
            assertTrue(mass <= previous && mass >= 0 && mass <= 1, row.toString());
            previous = mass;
        }
    }

    @Test
    void anUnknownTaskIsNamed() {
        CliResult r = Cli.run("heads", "--model", Cli.STORIES.toString(), "--task", "riddle");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown task 'riddle'"), r.err());
    }
}
