package dev.kvlens.app;

import dev.kvlens.inference.policy.PolicyOption;
import java.util.Optional;
import java.util.function.Predicate;
import javafx.beans.value.ObservableValue;
import org.controlsfx.control.PropertySheet;

/**
 * One declared option of a lane's policy in the options sheet. Setting a value asks {@code apply}
 * first; when the policy refuses it, the sheet keeps the value the lane runs with.
 */
final class PolicyOptionItem implements PropertySheet.Item {

    private final PolicyOption option;
    private final String category;
    private String value;
    private final Predicate<String> apply;

    PolicyOptionItem(PolicyOption option, String category, String value, Predicate<String> apply) {
        this.option = option;
        this.category = category;
        this.value = value;
        this.apply = apply;
    }

    PolicyOption option() {
        return option;
    }

    @Override
    public Class<?> getType() {
        return String.class;
    }

    @Override
    public String getCategory() {
        return category;
    }

    @Override
    public String getName() {
        return option.name();
    }

    @Override
    public String getDescription() {
        return option.description() + (option.defaultValue().isEmpty() ? "" : " (default " + option.defaultValue() + ")");
    }

    @Override
    public Object getValue() {
        return value;
    }

    @Override
    public void setValue(Object v) {
        String text = v == null ? "" : v.toString().trim();
        if (text.equals(value)) {
            return;
        }
        if (apply.test(text)) {
            value = text;
        }
    }

    @Override
    public Optional<ObservableValue<?>> getObservableValue() {
        return Optional.empty();
    }
}
