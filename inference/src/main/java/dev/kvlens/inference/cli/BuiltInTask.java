package dev.kvlens.inference.cli;

import dev.kvlens.inference.session.task.NameRecallTask;
import dev.kvlens.inference.session.task.NeedleTask;
import dev.kvlens.inference.session.task.PasskeyTask;
import dev.kvlens.inference.session.task.TaskPrompt;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The task generators {@code --task} names, with filler lengths that give stories260K-sized prompts of
 * about 100-200 tokens (long enough for budgets of 16-64 to evict, short enough for its context).
 */
enum BuiltInTask {

    NAME_RECALL("name-recall", 12),
    NEEDLE("needle", 12),
    PASSKEY("passkey", 6);

    /** Where the fact goes by default (name recall always puts it first). */
    static final double DEFAULT_DEPTH = 0.5;

    final String id;
    /** Filler sentences (passkey: filler lines) when --filler is not given. */
    final int defaultFiller;

    BuiltInTask(String id, int defaultFiller) {
        this.id = id;
        this.defaultFiller = defaultFiller;
    }

    /** @throws BadArgumentException listing the task names */
    static BuiltInTask parse(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        for (BuiltInTask t : values()) {
            if (t.id.equals(n)) {
                return t;
            }
        }
        throw new BadArgumentException("unknown task '" + name + "'; valid tasks: " + ids());
    }

    static String ids() {
        return Arrays.stream(values()).map(t -> t.id).collect(Collectors.joining(", "));
    }

    /**
     * One instance.
     *
     * @param filler filler sentences (lines for passkey), or null for the default
     * @param depth  where the fact goes, 0 to 1 (ignored by name recall)
     */
    TaskPrompt generate(long seed, Integer filler, double depth) {
        int n = filler == null ? defaultFiller : filler;
        if (n < 0 || n > 100_000) {
            throw new BadArgumentException("--filler must be between 0 and 100000, got " + n);
        }
        if (!(depth >= 0 && depth <= 1)) {
            throw new BadArgumentException("--depth must be between 0 and 1, got " + depth);
        }
        return switch (this) {
            case NAME_RECALL -> NameRecallTask.generate(seed, n);
            case NEEDLE -> NeedleTask.generate(seed, n, depth);
            case PASSKEY -> PasskeyTask.generate(seed, n, depth);
        };
    }
}
