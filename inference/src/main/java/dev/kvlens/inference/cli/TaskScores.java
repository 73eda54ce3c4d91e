package dev.kvlens.inference.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvlens.inference.ModelFileException;
import dev.kvlens.inference.session.task.LaneScore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code task.json}, written by {@code kvlens compare --task} beside its recording: the task instance and
 * every lane's score. Recordings have no field for a task, so {@code kvlens replay} reads the scores from
 * here to give back the same summary.csv.
 *
 * @param task   task name
 * @param seed   the generator's seed
 * @param prompt the task's prompt text
 * @param answer the known answer
 * @param lanes  one score per lane, lane 0 first
 */
record TaskScores(String task, long seed, String prompt, String answer, List<LaneScore> lanes) {

    static final String FILE_NAME = "task.json";

    TaskScores {
        lanes = List.copyOf(lanes);
    }

    /** Lane index to score, as the summary's task column wants it. */
    Map<Integer, Double> byLane() {
        Map<Integer, Double> m = new TreeMap<>();
        for (LaneScore s : lanes) {
            m.put(s.lane(), s.score());
        }
        return m;
    }

    /** Writes the file whole or not at all (temporary file, then rename). */
    void write(Path file) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(temp, Json.writePretty(this) + "\n", StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads the lane scores of a {@code task.json}.
     *
     * @throws ModelFileException when it is not one
     */
    static Map<Integer, Double> readScores(Path file) {
        JsonNode root;
        try {
            if (Files.size(file) > TextFile.MAX_BYTES) {
                throw new ModelFileException(file, "is too large to be a task scores file");
            }
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelFileException(file, "is not a task scores file: " + e.getMessage().lines().findFirst()
                    .orElse(""), e);
        }
        JsonNode lanes = root == null ? null : root.get("lanes");
        if (lanes == null || !lanes.isArray()) {
            throw new ModelFileException(file, "is not a task scores file: it has no \"lanes\" array");
        }
        Map<Integer, Double> m = new TreeMap<>();
        for (JsonNode lane : lanes) {
            JsonNode index = lane.get("lane");
            JsonNode score = lane.get("score");
            if (index == null || !index.canConvertToInt() || score == null || !score.isNumber()) {
                throw new ModelFileException(file, "is not a task scores file: a lane lacks \"lane\" or \"score\"");
            }
            m.put(index.asInt(), score.asDouble());
        }
        return m;
    }
}
