package dev.kvlens.inference.policy;

import java.util.List;

/**
 * One option of a policy.
 *
 * @param name         as written on the command line ("window")
 * @param defaultValue the default, as text
 * @param choices      the allowed values for an enumerated option, empty for numbers
 * @param description  what it changes, and where the default comes from
 */
public record PolicyOption(String name, String defaultValue, List<String> choices, String description) {

    public PolicyOption {
        choices = List.copyOf(choices);
    }

    public static PolicyOption number(String name, String defaultValue, String description) {
        return new PolicyOption(name, defaultValue, List.of(), description);
    }

    public static PolicyOption choice(String name, String defaultValue, List<String> choices, String description) {
        return new PolicyOption(name, defaultValue, choices, description);
    }
}
