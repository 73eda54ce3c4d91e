package dev.kvlens.inference.cli;

import dev.kvlens.inference.model.BundledModels;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Gives every command's {@code --model} the bundled model as its default, when one is shipped. */
final class BundledModelDefault implements IDefaultValueProvider {

    static final String MODEL_OPTION = "--model";

    @Override
    public String defaultValue(ArgSpec arg) {
        if (arg instanceof OptionSpec o && MODEL_OPTION.equals(o.longestName())) {
            return BundledModels.defaultModel().map(Object::toString).orElse(null);
        }
        return null;
    }
}
