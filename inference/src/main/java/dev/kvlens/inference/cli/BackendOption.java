package dev.kvlens.inference.cli;

import dev.kvlens.inference.model.LoadedModel;
import dev.kvlens.inference.model.ModelLoader;
import dev.kvlens.kernels.backend.BackendChoice;
import dev.kvlens.kernels.backend.BackendUnavailableException;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code --backend cpu|nd4j|auto}, for the commands that run a model. */
final class BackendOption {

    @Option(names = "--backend", paramLabel = "cpu|nd4j|auto", defaultValue = "cpu", converter = Parse.class,
            description = {"Where matrix products run: cpu (the Vector API kernels), nd4j (ND4J's BLAS, weights"
                    + " copied to F32 at load) or auto (prompts of F32/F16/BF16 weights through ND4J on a GPU,"
                    + " everything else on the Vector API, which matched OpenBLAS on the CPU). Default: ${DEFAULT-VALUE}."})
    BackendChoice choice;

    /** Checked while parsing, so a wrong name is reported before anything else is looked at. */
    static final class Parse implements ITypeConverter<BackendChoice> {
        @Override
        public BackendChoice convert(String value) {
            try {
                return BackendChoice.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Loads {@code model} and puts it on the chosen backend (call after {@code --threads} was applied). */
    LoadedModel load(Path model) {
        LoadedModel loaded = ModelLoader.load(model);
        try {
            return loaded.withBackend(choice);
        } catch (BackendUnavailableException e) {
            loaded.close();
            throw new BadArgumentException("--backend " + choice.cliName() + ": " + e.getMessage());
        } catch (RuntimeException | Error e) {
            loaded.close();
            throw e;
        }
    }
}
