package dev.kvlens.app;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the scenarios shipped in assets/scenarios (inside the app's jar). */
public final class ScenarioLibrary {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private ScenarioLibrary() {
    }

    /** Every shipped scenario, in file-name order. */
    public static List<Scenario> shipped() throws IOException {
        List<Scenario> out = new ArrayList<>();
        for (String name : Assets.list("scenarios", ".json")) {
            URL url = Assets.resource("scenarios/" + name);
            try (InputStream in = url.openStream()) {
                out.add(parse(name.substring(0, name.length() - ".json".length()), JSON.readTree(in)));
            }
        }
        return out;
    }

    static Scenario parse(String id, JsonNode n) throws IOException {
        List<ScenarioLane> lanes = new ArrayList<>();
        for (JsonNode l : required(n, "lanes", id)) {
            Map<String, String> options = new LinkedHashMap<>();
            l.path("options").properties().forEach(e -> options.put(e.getKey(), e.getValue().asText()));
            lanes.add(new ScenarioLane(required(l, "policy", id).asText(), required(l, "budget", id).asText(),
                    options));
        }
        return new Scenario(id, required(n, "title", id).asText(), required(n, "view", id).asText(),
                required(n, "explanation", id).asText(), required(n, "prompt", id).asText(),
                n.path("mode").asText("teacher-forced"), n.path("maxNewTokens").asInt(48), lanes);
    }

    private static JsonNode required(JsonNode n, String field, String id) throws IOException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IOException("scenario " + id + ": missing \"" + field + "\"");
        }
        return v;
    }
}
