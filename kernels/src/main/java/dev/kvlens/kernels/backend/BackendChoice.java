package dev.kvlens.kernels.backend;

import dev.kvlens.kernels.WeightMatrix;
import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The backends a user can pick ({@code --backend cpu|nd4j|auto}). Opening {@link #CPU} never loads
 * a class of ND4J: the ND4J classes are named only inside {@link Nd4jBackend}, which the JVM loads
 * on first use, so the default start-up pays nothing for the library being on the class path.
 */
public enum BackendChoice {

    /** The kernels' Vector API code over the mapped weights (the default). */
    CPU,
    /** Every product through ND4J: BLAS gemm for prompts, BLAS gemv for single tokens. */
    ND4J,
    /** Each product where it measured faster on this machine kind: see {@link AutoBackend}. */
    AUTO;

    /** The name on the command line. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The choice named {@code text} (any case). */
    public static BackendChoice parse(String text) {
        for (BackendChoice c : values()) {
            if (c.cliName().equalsIgnoreCase(text == null ? "" : text.strip())) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + text + "' (choose one of "
                + Arrays.stream(values()).map(BackendChoice::cliName).collect(Collectors.joining(", ")) + ")");
    }

    /**
     * A backend for a model whose products use {@code matrices} (each is prepared once here: ND4J
     * copies them to F32 off the heap, which takes a while for a large model).
     *
     * @throws BackendUnavailableException when ND4J cannot start or the copies do not fit
     */
    public Backend open(Collection<WeightMatrix> matrices) {
        return switch (this) {
            case CPU -> new VectorApiBackend();
            case ND4J -> Nd4jBackend.load(matrices);
            case AUTO -> AutoBackend.load(matrices);
        };
    }
}
