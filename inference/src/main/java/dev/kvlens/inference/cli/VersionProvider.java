package dev.kvlens.inference.cli;

import picocli.CommandLine.IVersionProvider;

/** What {@code kvlens --version} prints. */
public final class VersionProvider implements IVersionProvider {

    /** Kept equal to the Maven project version (a test in the tests module compares them). */
    public static final String VERSION = "0.1.0-SNAPSHOT";

    @Override
    public String[] getVersion() {
        return new String[] {"kvlens " + VERSION,
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
